"""The desktop backend against a real TigerVNC Xvnc: socket, proxy auth, lifecycle."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
from urllib.parse import urlencode

import pytest
from desktop_helpers import RFB_BANNER, needs_xvnc, read_banner, start, state_is, status, wait_until
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from jupyter_workbench.desktop import xutil

pytestmark = needs_xvnc


def listening_tcp_inodes() -> set[str]:
    """Inodes of every listening TCP socket (IPv4 and IPv6) on this machine."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    if fields[3] == "0A":  # TCP_LISTEN
                        inodes.add(fields[9])
        except FileNotFoundError:
            continue
    return inodes


def socket_inodes(pid: int) -> set[str]:
    """Inodes of the sockets process ``pid`` holds open."""
    found = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[len("socket:[") : -1])
    return found


async def test_catalogue_entry(api):
    code, data = await api("GET", "backends")
    assert code == 200
    entry = next(b for b in data["backends"] if b["name"] == "desktop")
    assert entry["kind"] == "desktop"
    assert entry["raw_socket"] is True
    assert entry["available"] is True, entry
    assert entry["url"].endswith("/desktop/")
    assert entry["state"] == "stopped"


async def test_socket_private_and_no_tcp_listener(api, workbench):
    data = await start(api)
    managed = workbench.supervisor.get("desktop")
    sock = managed.ctx.socket_path
    assert stat.S_ISSOCK(os.stat(sock).st_mode)
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(sock)).st_mode) == 0o700
    assert data["desktop"]["display"] and data["desktop"]["display"].startswith(":"), data
    xvnc = data["desktop"]["xvnc_pid"]
    with open(f"/proc/{xvnc}/cmdline", "rb") as handle:
        argv = handle.read().split(b"\0")
    assert os.path.basename(argv[0]) == b"Xvnc"
    assert b"-rfbport" in argv and argv[argv.index(b"-rfbport") + 1] == b"-1"
    owned = socket_inodes(xvnc)
    assert owned, "Xvnc holds no sockets?"
    assert not owned & listening_tcp_inodes(), "Xvnc listens on TCP"
    # The X display is private: a client without our cookie is refused.
    display = data["desktop"]["display"]
    denied = subprocess.run(
        ["xdpyinfo", "-display", display],
        capture_output=True,
        env={**os.environ, "XAUTHORITY": "/nonexistent"},
        timeout=10,
    )
    assert denied.returncode != 0
    allowed = subprocess.run(
        ["xdpyinfo", "-display", display],
        capture_output=True,
        env={**os.environ, "XAUTHORITY": data["desktop"]["xauthority"]},
        timeout=10,
    )
    assert allowed.returncode == 0, allowed.stderr


async def test_rfb_banner_through_authenticated_websocket(jp_ws_fetch, api):
    ws = await jp_ws_fetch("desktop/")  # starts the desktop on open
    try:
        assert await read_banner(ws) == RFB_BANNER
    finally:
        ws.close()
    assert (await status(api))["state"] == "running"


def ws_url(jp_http_port, jp_base_url) -> str:
    return f"ws://localhost:{jp_http_port}{jp_base_url}desktop/"


async def test_websocket_refused_without_auth(jp_http_port, jp_base_url, api):
    with pytest.raises(HTTPClientError) as err:
        await websocket_connect(HTTPRequest(ws_url(jp_http_port, jp_base_url)))
    assert err.value.code == 403
    assert (await status(api))["state"] == "stopped"  # nothing was started for the stranger


async def browser_cookie(port: int, base_url: str, auth_header: dict) -> str:
    """Log in through Jupyter's login form, as a browser does; returns the Cookie header."""
    client = AsyncHTTPClient()
    base = f"http://localhost:{port}{base_url}"
    page = await client.fetch(base + "login", raise_error=False)
    cookies = {}
    for header in page.headers.get_list("Set-Cookie"):
        name, value = header.split(";", 1)[0].split("=", 1)
        cookies[name] = value
    token = auth_header["Authorization"].split()[-1]
    body = urlencode({"password": token, "_xsrf": cookies.get("_xsrf", "")})
    resp = await client.fetch(
        base + "login",
        method="POST",
        body=body,
        follow_redirects=False,
        raise_error=False,
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
    )
    assert resp.code == 302, resp.code
    for header in resp.headers.get_list("Set-Cookie"):
        name, value = header.split(";", 1)[0].split("=", 1)
        cookies[name] = value
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def test_websocket_refused_from_foreign_origin(
    jp_http_port, jp_base_url, jp_auth_header, api
):
    # A cross-site page can only ride on the browser's login cookie (it cannot set an
    # Authorization header on a WebSocket): that is the case the Origin check must stop.
    cookie = await browser_cookie(jp_http_port, jp_base_url, jp_auth_header)
    headers = {"Cookie": cookie, "Origin": "https://evil.example.com"}
    with pytest.raises(HTTPClientError) as err:
        await websocket_connect(HTTPRequest(ws_url(jp_http_port, jp_base_url), headers=headers))
    assert err.value.code == 403
    assert (await status(api))["state"] == "stopped"  # and nothing was started


async def test_websocket_same_origin_browser_accepted(
    jp_http_port, jp_base_url, jp_auth_header, api
):
    cookie = await browser_cookie(jp_http_port, jp_base_url, jp_auth_header)
    headers = {"Cookie": cookie, "Origin": f"http://localhost:{jp_http_port}"}
    ws = await websocket_connect(HTTPRequest(ws_url(jp_http_port, jp_base_url), headers=headers))
    try:
        assert await read_banner(ws) == RFB_BANNER
    finally:
        ws.close()


def free_display() -> int:
    """The lowest display number no X server uses (what Xvnc -displayfd picks)."""
    with open("/proc/net/unix") as handle:
        used = handle.read()
    for number in range(0, 200):
        if (
            f"@/tmp/.X11-unix/X{number}\n" not in used
            and not os.path.lexists(xutil.lock_path(number))
            and not os.path.lexists(xutil.socket_path(number))
        ):
            return number
    raise AssertionError("no free display")


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


async def test_stale_lock_and_socket_do_not_block_start(api):
    number = free_display()
    lock, sock_path = xutil.lock_path(number), xutil.socket_path(number)
    with open(lock, "w") as handle:
        handle.write(f"{dead_pid():10d}\n")
    os.makedirs(xutil.SOCKET_DIR, exist_ok=True)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(sock_path)  # a socket file nobody listens on any more
    stale.close()
    try:
        data = await start(api)
        logs = "\n".join((await api("GET", "backends", "desktop", "logs"))[1]["lines"])
        assert f"removed stale {lock} (its X server is gone)" in logs
        if data["desktop"]["display"] == f":{number}":
            # Xvnc took the display over (its socket now answers) and the lock names it
            # (written by the launcher, as Xvnc -displayfd writes none).
            assert xutil.socket_listening(sock_path)
            assert xutil.read_lock_pid(lock) == data["desktop"]["xvnc_pid"]
        else:  # another X server took the lowest display meanwhile: ours was cleaned up
            assert f"removed stale {sock_path}" in logs or xutil.socket_listening(sock_path)
    finally:
        await api("POST", "backends", "desktop", "stop")
    assert xutil.read_lock_pid(lock) != data["desktop"]["xvnc_pid"]  # our lock left with our Xvnc


async def test_kill9_of_xvnc_restarts_with_backoff(api):
    first = await start(api)
    os.kill(first["desktop"]["xvnc_pid"], signal.SIGKILL)

    async def restarted():
        data = await status(api)
        return data if data["state"] == "running" and data["restarts"] >= 1 else None

    data = await wait_until(restarted, timeout=30)
    assert data["desktop"]["xvnc_pid"] != first["desktop"]["xvnc_pid"]
    logs = "\n".join((await api("GET", "backends", "desktop", "logs"))[1]["lines"])
    assert "Xvnc exited (signal 9)" in logs, logs
    assert "desktop crashed (code 1)" in logs
    # The dead Xvnc's lock was cleaned up: its display is free or held by a live server.
    old = int(first["desktop"]["display"][1:])
    pid = xutil.read_lock_pid(xutil.lock_path(old))
    assert pid is None or xutil.pid_alive(pid)


async def test_kill9_then_failed_then_next_open_restarts(api, jp_ws_fetch, workbench):
    workbench.catalogue["desktop"].restart_on_crash = False
    first = await start(api)
    os.kill(first["desktop"]["xvnc_pid"], signal.SIGKILL)
    failed = await wait_until(lambda: state_is(api, "failed"), timeout=20)
    assert failed["error"] == "desktop crashed (code 1)", failed
    assert failed["desktop"]["display"] is None  # the launcher removed its state with the session
    ws = await jp_ws_fetch("desktop/")  # the next open starts it again
    try:
        assert await read_banner(ws) == RFB_BANNER
    finally:
        ws.close()
    data = await status(api)
    assert (
        data["state"] == "running" and data["desktop"]["xvnc_pid"] != first["desktop"]["xvnc_pid"]
    )
