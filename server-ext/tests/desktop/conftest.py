"""Fixtures for the desktop tests: a Jupyter server whose desktop runs a real Xvnc."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
from pathlib import Path

import pytest
from desktop_helpers import DUMMY_XORG_CONF

from jupyter_workbench.desktop import modes

DOUBLES = Path(__file__).parent / "doubles"
#: Where `make` builds VirtualGL when the machine has none (scripts/install-virtualgl.sh).
REPO_TOOLS = Path(__file__).resolve().parents[3] / ".tools" / "bin"


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
def nvidia_eglinfo() -> str:
    """The labelled double of NVIDIA's ``eglinfo`` (real Mesa output, one vendor string
    edited): the NVIDIA EGL driver cannot run here."""
    return str(DOUBLES / "eglinfo")


@pytest.fixture
def virtualgl(monkeypatch) -> str:
    """A real VirtualGL ``vglrun`` (the one on PATH, else the one ``make`` built into
    .tools/bin, which is then put on PATH); skips when none is installed."""
    found = modes.find_tool("vglrun")
    if found is None and (REPO_TOOLS / "vglrun").exists():
        monkeypatch.setenv("PATH", f"{REPO_TOOLS}{os.pathsep}{os.environ['PATH']}")
        found = modes.find_tool("vglrun")
    if found is None:
        pytest.skip("needs VirtualGL (make bootstrap builds it into .tools)")
    version = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=10)
    assert version.stdout.startswith("VirtualGL v"), f"{found} is not VirtualGL: {version}"
    return found


@pytest.fixture
def dummy_xorg(tmp_path):
    """A real Xorg with the dummy driver (Mesa GLX): the 3D X server of the sidecar mode.
    Yields its display."""
    if os.geteuid() != 0 or not shutil.which("Xorg"):
        pytest.skip("needs root and Xorg (xserver-xorg-core, xserver-xorg-video-dummy)")
    conf = tmp_path / "dummy.conf"
    conf.write_text(DUMMY_XORG_CONF)
    log = tmp_path / "xorg.log"
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [
            "Xorg",
            "-displayfd",
            str(write_fd),
            "-config",
            str(conf),
            "-noreset",
            "-nolisten",
            "tcp",
            "-novtswitch",
            "-sharevts",
            "-logfile",
            str(log),
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 20)
        number = os.read(read_fd, 16).decode().strip() if ready else ""
        if not number:
            pytest.fail("Xorg (dummy) did not start: " + log.read_text()[-800:])
        yield f":{number}"
    finally:
        os.close(read_fd)
        proc.terminate()
        proc.wait(10)
