"""Shared fixtures: a Jupyter server with the Workbench extension, and helper programs."""

from __future__ import annotations

import json
import sys
import urllib.parse
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from .wire import schema_for, validate

pytest_plugins = ["pytest_jupyter.jupyter_server"]

HERE = Path(__file__).parent
PROGRAMS = HERE / "programs"
#: Real third-party test data (GPU tool captures, Kubernetes schemas), with SOURCES.md and
#: licences in each folder.
FIXTURES = HERE / "fixtures"


@pytest.fixture
def program():
    """Command line of a small test program in tests/programs (run with this Python)."""

    def make(name: str, *args: str) -> list[str]:
        return [sys.executable, str(PROGRAMS / name), *args]

    return make


@pytest.fixture
def workbench_backends() -> dict:
    """Override in a test module to add custom backends to the server's config."""
    return {}


@pytest.fixture
def jp_server_config(workbench_backends, tmp_path):
    """Enable the Workbench extension with the backends the test module asks for."""
    runtime = tmp_path / "rt"
    runtime.mkdir()
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_workbench": True}},
        "WorkbenchApp": {
            "backends": workbench_backends,
            "runtime_dir": str(runtime),
            "restart_backoff_base": 0.2,
            "restart_backoff_cap": 1.0,
        },
    }


def check_api_response(response, method: str, base_url: str) -> None:
    """Validate a Workbench API answer against the schema of its route (see tests/wire.py)."""
    path = urllib.parse.urlparse(response.request.url).path
    prefix = base_url + "workbench/api/"
    if not path.startswith(prefix) or 300 <= response.code < 400:
        return
    route = path[len(prefix) :]
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        assert response.code >= 400, f"{method} {route}: answered {response.code} without JSON"
        return
    name = schema_for(method, route, response.code)
    assert name, f"{method} {route} ({response.code}): no schema in the wire contract"
    validate(json.loads(response.body), name)


@pytest.fixture
def jp_fetch(jp_fetch, jp_base_url):
    """pytest-jupyter's ``jp_fetch``, checking every Workbench API answer against its schema."""

    async def fetch(*parts, **kwargs):
        method = kwargs.get("method", "GET")
        try:
            response = await jp_fetch(*parts, **kwargs)
        except HTTPClientError as err:
            if err.response is not None:
                check_api_response(err.response, method, jp_base_url)
            raise
        check_api_response(response, method, jp_base_url)
        return response

    return fetch


@pytest.fixture
def jp_ws_fetch(jp_ws_fetch):
    """pytest-jupyter's ``jp_ws_fetch``; GPU stream messages are checked against their schema."""

    checked: set[str] = set()  # a sample goes to every subscriber: check each text once

    async def connect(*parts, **kwargs):
        conn = await jp_ws_fetch(*parts, **kwargs)
        if "/".join(parts).strip("/") == "workbench/api/gpu/stream":
            read = conn.read_message

            async def read_message(*args, **kw):
                message = await read(*args, **kw)
                if message is not None and message not in checked:
                    validate(json.loads(message), "gpu-stream-message")
                    checked.add(message)
                return message

            conn.read_message = read_message
        return conn

    return connect
