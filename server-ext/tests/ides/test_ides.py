"""VS Code (real code-server when installed) and RStudio (a labelled double of rserver)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from urllib.parse import unquote

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_workbench.core.backend import LaunchContext
from jupyter_workbench.ides.keyfiles import unreadable_files
from jupyter_workbench.ides.rewrite import rewrite_location
from jupyter_workbench.ides.rstudio import RStudioBackend
from jupyter_workbench.ides.vscode import VSCodeBackend, flavour_of, supported_flags

from ..helpers import listening_tcp_inodes, socket_inodes_of

DOUBLES = Path(__file__).parent / "doubles"
REPO = Path(__file__).resolve().parents[3]
CODE_SERVER = shutil.which("code-server") or shutil.which(
    "code-server", path=str(REPO / ".tools" / "bin")
)


def ctx(tmp_path, name="vscode"):
    socket_dir = tmp_path / "rt" / name
    return LaunchContext(
        name=name,
        socket_path=str(socket_dir / "sock"),
        socket_dir=str(socket_dir),
        base_url="/user/alice/",
        url=f"/user/alice/{name}/",
        root_dir="/home/alice",
    )


# ---------------------------------------------------------------- command lines
CODE_SERVER_VERSION = "4.100.0 d0e20d514d247470f110d48573d15604b141b81b with Code 1.100.0"
OPENVSCODE_VERSION = "1.100.0\nf4a4c4b1d7b3\nx64"


def test_flavours_are_told_apart_by_version_output():
    assert flavour_of(CODE_SERVER_VERSION) == ("code-server", "4.100.0")
    assert flavour_of(OPENVSCODE_VERSION) == ("openvscode-server", "1.100.0")


def test_code_server_command_line(tmp_path):
    flags = supported_flags(
        "--auth --socket --socket-mode --disable-telemetry --disable-update-check "
        "--disable-workspace-trust --disable-getting-started-override --disable-proxy "
        "--abs-proxy-base-path --config --user-data-dir --extensions-dir"
    )
    backend = VSCodeBackend(user_data_dir="/home/alice/ud", extensions_dir="/home/alice/ext")
    c = ctx(tmp_path)
    assert backend.command(c, "code-server", "/opt/code-server", flags) == [
        "/opt/code-server",
        "--auth",
        "none",
        "--socket",
        c.socket_path,
        "--socket-mode",
        "0600",
        "--abs-proxy-base-path",
        "/user/alice/vscode",
        "--config",
        os.path.join(c.socket_dir, "config.yaml"),
        "--user-data-dir",
        "/home/alice/ud",
        "--extensions-dir",
        "/home/alice/ext",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        "--disable-proxy",
        "/home/alice",
    ]


def test_code_server_without_optional_flags(tmp_path):
    backend = VSCodeBackend()
    c = ctx(tmp_path)
    argv = backend.command(c, "code-server", "cs", {"--auth", "--socket"})
    assert argv == ["cs", "--auth", "none", "--socket", c.socket_path, "/home/alice"]


def test_openvscode_server_command_line(tmp_path):
    flags = supported_flags(
        "--socket-path --without-connection-token --server-base-path "
        "--telemetry-level --user-data-dir --extensions-dir --default-folder"
    )
    backend = VSCodeBackend(user_data_dir="/u", extensions_dir="/e")
    c = ctx(tmp_path)
    assert backend.command(c, "openvscode-server", "ovs", flags) == [
        "ovs",
        "--socket-path",
        c.socket_path,
        "--without-connection-token",
        "--server-base-path",
        "/user/alice/vscode",
        "--telemetry-level",
        "off",
        "--user-data-dir",
        "/u",
        "--extensions-dir",
        "/e",
        "--default-folder",
        "/home/alice",
    ]


@pytest.mark.skipif(CODE_SERVER is None, reason="code-server not installed (make installs it)")
async def test_real_code_server_help_is_understood():
    backend = VSCodeBackend(executable=CODE_SERVER)
    detection = await backend.detect()
    assert detection.available and detection.version.startswith("code-server 4.")
    _, flavour, _, flags = await backend.probe()
    assert flavour == "code-server"
    assert {"--socket", "--socket-mode", "--abs-proxy-base-path", "--disable-proxy"} <= flags


async def test_rserver_command_line_with_and_without_optional_flags(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{DOUBLES}:{os.environ['PATH']}")
    backend = RStudioBackend(r_path="")
    exe, version, flags = await backend.probe()
    assert version == "2024.12.1+563"
    c = ctx(tmp_path, "rstudio")
    argv = backend.command(c, exe, flags)
    user = __import__("getpass").getuser()
    assert argv == [
        exe,
        "--auth-none=1",
        "--www-frame-origin=same",
        "--www-verify-user-agent=0",
        f"--secure-cookie-key-file={c.socket_dir}/secure-cookie-key",
        f"--server-user={user}",
        "--server-daemonize=0",
        "--www-root-path=/user/alice/rstudio/",
        f"--server-data-dir={c.socket_dir}/data",
        f"--database-config-file={c.socket_dir}/database.conf",
        "--www-thread-pool-size=2",
        f"--www-socket={c.socket_path}",
    ]
    bare = backend.command(c, exe, {"--auth-none"})
    assert "--www-socket" not in " ".join(bare) and "--server-daemonize=0" in bare


async def test_rserver_without_unix_socket_support_is_not_offered(monkeypatch):
    monkeypatch.setenv("PATH", f"{DOUBLES}:{os.environ['PATH']}")
    monkeypatch.setenv("RSERVER_DOUBLE_NO_SOCKET", "1")
    detection = await RStudioBackend().detect()
    assert not detection.available
    assert "unix socket" in detection.reason and "2023.03" in detection.install_hint


# ---------------------------------------------------------------- helpers
def test_location_rewrite():
    # Absolute local URLs lose scheme, host and port; jupyter-server-proxy then adds the
    # proxy prefix to the root-relative path (checked end to end below).
    assert rewrite_location("http://localhost:8787/auth-sign-in?appUri=%2F") == (
        "/auth-sign-in?appUri=%2F"
    )
    assert rewrite_location("http://127.0.0.1:8787/") == "/"
    assert rewrite_location("/auth-sign-in") == "/auth-sign-in"
    assert rewrite_location("auth-sign-in") == "auth-sign-in"
    assert rewrite_location("https://posit.co/") == "https://posit.co/"


def test_key_file_check(tmp_path):
    (tmp_path / "rserver.conf").write_text("www-port=8787\n")
    key = tmp_path / "secure-cookie-key"
    key.write_text("secret")
    assert unreadable_files(str(tmp_path)) == []


def test_key_file_check_reports_unreadable(tmp_path, monkeypatch):
    # As root every file is readable, so the denial comes from os.access for this one file.
    key = tmp_path / "secure-cookie-key"
    key.write_text("secret")
    key.chmod(0)
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, m: False if str(p) == str(key) else real_access(p, m)
    )
    assert unreadable_files(str(tmp_path)) == [str(key)]


# ---------------------------------------------------------------- through the server
@pytest.fixture
def jp_server_config(jp_server_config, tmp_path):
    os.environ["PATH"] = f"{DOUBLES}:{os.environ['PATH']}"
    os.environ["RSERVER_DOUBLE_ARGV"] = str(tmp_path / "rserver-argv.json")
    config = jp_server_config
    config["VSCodeBackend"] = {
        "executable": CODE_SERVER or "",
        "user_data_dir": str(tmp_path / "vscode-data"),
        "extensions_dir": str(tmp_path / "vscode-ext"),
        "timeout": 60,
    }
    config["RStudioBackend"] = {"restart_on_crash": True}
    return config


async def test_rstudio_double_through_the_proxy(jp_fetch, jp_serverapp, tmp_path):
    status = json.loads(
        (
            await jp_fetch(
                "workbench", "api", "backends", "rstudio", "start", method="POST", body=""
            )
        ).body
    )
    assert status["state"] == "running", status
    app = next(iter(jp_serverapp.extension_manager.extension_apps["jupyter_workbench"]))
    managed = app.supervisor.get("rstudio")
    mode = stat.S_IMODE(os.stat(managed.ctx.socket_path).st_mode)
    assert mode == 0o600
    assert not (socket_inodes_of(managed.pid) & listening_tcp_inodes())
    argv = json.loads((tmp_path / "rserver-argv.json").read_text())
    assert "--server-daemonize=0" in argv
    # The double redirects to http://localhost:8787/…; the browser is sent to our proxy.
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("rstudio", "home", follow_redirects=False)
    response = info.value.response
    assert response.code == 302
    base = jp_serverapp.base_url
    location = unquote(response.headers["Location"])
    assert location == unquote(f"{base}rstudio/auth-sign-in?appUri=%2F")
    page = await jp_fetch("rstudio", "auth-sign-in")
    assert b"RStudio Server (test double)" in page.body
    # Auth is required on every proxied path.
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            "rstudio", "auth-sign-in", headers={"Authorization": ""}, follow_redirects=False
        )
    assert info.value.code in {302, 401, 403}


async def test_rstudio_crash_restarts(jp_fetch, jp_serverapp):
    await jp_fetch("workbench", "api", "backends", "rstudio", "start", method="POST", body="")
    app = next(iter(jp_serverapp.extension_manager.extension_apps["jupyter_workbench"]))
    managed = app.supervisor.get("rstudio")
    first = managed.pid
    os.kill(first, 9)
    import asyncio

    for _ in range(100):
        if managed.state.value == "running" and managed.pid not in (None, first):
            break
        await asyncio.sleep(0.1)
    assert managed.state.value == "running" and managed.pid != first
    assert managed.restarts == 1


@pytest.mark.skipif(CODE_SERVER is None, reason="code-server not installed (make installs it)")
async def test_real_code_server_through_the_proxy(
    jp_fetch, jp_ws_fetch, jp_serverapp, http_server_client, jp_auth_header
):
    status = json.loads(
        (
            await jp_fetch(
                "workbench",
                "api",
                "backends",
                "vscode",
                "start",
                method="POST",
                body="",
                request_timeout=90,
            )
        ).body
    )
    assert status["state"] == "running", status["log_tail"]
    app = next(iter(jp_serverapp.extension_manager.extension_apps["jupyter_workbench"]))
    managed = app.supervisor.get("vscode")
    assert stat.S_IMODE(os.stat(managed.ctx.socket_path).st_mode) == 0o600
    assert not (socket_inodes_of(managed.pid) & listening_tcp_inodes())
    base = jp_serverapp.base_url
    page = await http_server_client.fetch(
        f"{base}vscode/?folder=/tmp", headers=jp_auth_header, follow_redirects=False
    )
    assert page.code == 200 and b"vscode-workbench-web-configuration" in page.body
    with pytest.raises(HTTPClientError) as info:
        await http_server_client.fetch(f"{base}vscode/?folder=/tmp", follow_redirects=False)
    assert info.value.code in {302, 401, 403}
    with pytest.raises(HTTPClientError) as info:
        await jp_ws_fetch("vscode", "stable-x", headers={"Authorization": ""})
    assert info.value.code in {401, 403}
