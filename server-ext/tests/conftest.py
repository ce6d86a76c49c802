"""Shared fixtures: a Jupyter server with the Workbench extension, and helper programs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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
