"""RStudio before 2023.03 (no --www-socket): the opt-in loopback-port fallback.

Played by the rserver TEST DOUBLE with RSERVER_DOUBLE_NO_SOCKET=1, which then serves on
--www-address/--www-port like that release.
"""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path
from urllib.parse import unquote

import pytest

from jupyter_workbench.core import loopback
from jupyter_workbench.core.backend import LaunchContext
from jupyter_workbench.core.loopback import PortOwner, port_owner
from jupyter_workbench.ides import rstudio
from jupyter_workbench.ides.rstudio import RStudioBackend

DOUBLES = Path(__file__).parent / "doubles"


def _ctx(tmp_path):
    return LaunchContext(
        name="rstudio",
        socket_path=str(tmp_path / "rt" / "sock"),
        socket_dir=str(tmp_path / "rt"),
        base_url="/user/alice/",
        url="/user/alice/rstudio/",
        root_dir="/home/alice",
    )


def test_command_line_on_a_loopback_port(tmp_path):
    flags = {"--auth-none", "--www-port", "--www-address", "--www-root-path"}
    argv = RStudioBackend().command(_ctx(tmp_path), "rserver", flags, port=41234)
    assert argv[-2:] == ["--www-address=127.0.0.1", "--www-port=41234"]
    assert not any(arg.startswith("--www-socket") for arg in argv)
    # With --www-socket the port is never used.
    with_socket = RStudioBackend().command(_ctx(tmp_path), "rserver", flags | {"--www-socket"}, 1)
    assert not any(arg.startswith("--www-port") for arg in with_socket)


def test_port_owner_tells_ours_from_foreign():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        assert port_owner(port, os.getpgid(0)) is PortOwner.OURS
        assert port_owner(port, 1 << 22) is PortOwner.FOREIGN  # no such process group
    finally:
        listener.close()
    assert port_owner(port, os.getpgid(0)) is PortOwner.NOBODY


async def test_fallback_is_off_by_default(monkeypatch):
    monkeypatch.setenv("PATH", f"{DOUBLES}:{os.environ['PATH']}")
    monkeypatch.setenv("RSERVER_DOUBLE_NO_SOCKET", "1")
    detection = await RStudioBackend().detect()
    assert not detection.available
    assert "loopback_fallback" in detection.install_hint
    allowed = await RStudioBackend(loopback_fallback=True).detect()
    assert allowed.available and allowed.version == "2022.12.0+353"
    assert allowed.details["transport"] == "loopback"


# ---------------------------------------------------------------- through the server
@pytest.fixture
def jp_server_config(jp_server_config, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{DOUBLES}:{os.environ['PATH']}")
    monkeypatch.setenv("RSERVER_DOUBLE_NO_SOCKET", "1")
    monkeypatch.setenv("RSERVER_DOUBLE_ARGV", str(tmp_path / "rserver-argv.json"))
    jp_server_config["RStudioBackend"] = {"loopback_fallback": True}
    return jp_server_config


def _managed(jp_serverapp):
    app = next(iter(jp_serverapp.extension_manager.extension_apps["jupyter_workbench"]))
    return app.supervisor.get("rstudio")


async def _start(jp_fetch):
    response = await jp_fetch(
        "workbench", "api", "backends", "rstudio", "start", method="POST", body=""
    )
    return json.loads(response.body)


async def test_old_rserver_is_bridged_from_the_unix_socket(jp_fetch, jp_serverapp, tmp_path):
    status = await _start(jp_fetch)
    assert status["state"] == "running", status["log_tail"]
    managed = _managed(jp_serverapp)
    port = managed.loopback_port
    argv = json.loads((tmp_path / "rserver-argv.json").read_text())
    assert argv[-2:] == ["--www-address=127.0.0.1", f"--www-port={port}"]
    # The listener on the port is rserver's; the proxy still talks to a 0600 unix socket.
    assert port_owner(port, managed.pid) is PortOwner.OURS
    assert stat.S_IMODE(os.stat(managed.ctx.socket_path).st_mode) == 0o600
    assert any("reachable by other users" in line for line in managed.logs)
    detail = json.loads((await jp_fetch("workbench", "api", "backends", "rstudio")).body)
    assert detail["loopback_port"] == port
    # Through Jupyter's proxy and the bridge; the redirect with a port is rewritten.
    page = await jp_fetch("rstudio", "auth-sign-in")
    assert b"RStudio Server (test double)" in page.body
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("rstudio", "home", follow_redirects=False)
    assert unquote(info.value.response.headers["Location"]) == unquote(
        f"{jp_serverapp.base_url}rstudio/auth-sign-in?appUri=%2F"
    )
    # Stop: the process, the bridge and its socket are gone.
    pid = managed.pid
    await jp_fetch("workbench", "api", "backends", "rstudio", "stop", method="POST", body="")
    assert not os.path.exists(managed.ctx.socket_path)
    assert port_owner(port, pid) is PortOwner.NOBODY


async def test_a_port_taken_by_another_process_is_never_used(
    jp_fetch, jp_serverapp, tmp_path, monkeypatch
):
    # Between the kernel's choice and rserver's bind, another process takes the port.
    squatter = socket.create_server(("127.0.0.1", 0))
    squatter.setblocking(False)
    taken = squatter.getsockname()[1]
    picks: list[int] = []

    class Taken:
        """Stands for a reservation whose port was lost to the squatter."""

        def getsockname(self):
            return ("127.0.0.1", taken)

        def close(self):
            pass

    def reserve():
        picks.append(len(picks))
        return Taken() if len(picks) == 1 else loopback.reserve_loopback_port()

    monkeypatch.setattr(rstudio, "reserve_loopback_port", reserve)
    try:
        status = await _start(jp_fetch)
        assert status["state"] == "running", status["log_tail"]
        managed = _managed(jp_serverapp)
        assert len(picks) == 2 and managed.loopback_port != taken
        assert any(f"port {taken} was taken" in line for line in managed.logs)
        page = await jp_fetch("rstudio", "auth-sign-in")
        assert b"RStudio Server (test double)" in page.body
        # Nothing was ever forwarded to the squatter.
        with pytest.raises(BlockingIOError):
            squatter.accept()
    finally:
        squatter.close()
        await jp_fetch("workbench", "api", "backends", "rstudio", "stop", method="POST", body="")
