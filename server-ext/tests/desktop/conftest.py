"""Fixtures for the desktop tests: a Jupyter server whose desktop runs a real Xvnc."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

DOUBLES = Path(__file__).parent / "doubles"


@pytest.fixture
def desktop_config() -> dict:
    """``c.WorkbenchDesktop`` for the test server (override per module or test)."""
    return {"profiles": [{"name": "desktop", "geometry": "800x600", "session": ["twm"]}]}


@pytest.fixture
def desktop_backend_config() -> dict:
    """``c.DesktopBackend`` for the test server (override per test)."""
    return {"timeout": 20.0}


@pytest.fixture
def jp_server_config(workbench_backends, tmp_path, desktop_config, desktop_backend_config):
    """The workbench config of tests/conftest.py plus the desktop sections."""
    runtime = tmp_path / "rt"
    runtime.mkdir()
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_workbench": True}},
        "WorkbenchApp": {
            "backends": workbench_backends,
            "runtime_dir": str(runtime),
            "restart_backoff_base": 0.2,
            "restart_backoff_cap": 1.0,
            "disabled_backends": ["vscode", "rstudio"],
        },
        "WorkbenchDesktop": desktop_config,
        "DesktopBackend": desktop_backend_config,
    }


@pytest.fixture
def workbench(jp_serverapp):
    """The running WorkbenchApp."""
    apps = jp_serverapp.extension_manager.extension_apps["jupyter_workbench"]
    return next(iter(apps))


@pytest.fixture
def api(jp_fetch):
    """``await api("GET", "backends", "desktop")`` → (status, JSON body); never raises on 4xx."""

    async def call(method: str, *parts: str, body: str | None = None, **kwargs):
        if method == "POST" and body is None:
            body = ""
        resp = await jp_fetch(
            "workbench", "api", *parts, method=method, body=body, raise_error=False, **kwargs
        )
        return resp.code, json.loads(resp.body or b"{}")

    return call


@pytest.fixture
def doubles_on_path(monkeypatch, tmp_path):
    """Put the labelled vglrun/eglinfo doubles first on PATH; returns the vglrun log path."""
    log = tmp_path / "vglrun.log"
    monkeypatch.setenv("PATH", f"{DOUBLES}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("VGLRUN_DOUBLE_LOG", str(log))
    return log
