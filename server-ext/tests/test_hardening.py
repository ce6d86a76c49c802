"""Hardening regressions (issue 13): bad bodies, the crash window, jupyter-server-proxy's faults.

Each test failed before its fix: a deeply nested body answered 500 (``RecursionError``); a
backend killed a moment ago answered 500 (``ConnectionRefusedError``/``FileNotFoundError``
in the proxy); a body on GET or a PATCH without one answered 500 (``ValueError: Body must
be None …`` in jupyter-server-proxy's HTTP client).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time

import pytest

from jupyter_workbench.core.proxy import connect_unix

from .test_handlers import app_of

#: Every POST route of the REST API (bodies are parsed by each of them).
POST_ROUTES = [
    ("workbench", "api", "backends", "hello", "start"),
    ("workbench", "api", "backends", "hello", "stop"),
    ("workbench", "api", "backends", "hello", "restart"),
    ("workbench", "api", "gpu", "checks", "cuda"),
    ("workbench", "api", "gpu", "checks", "opengl"),
]

#: Bodies no route may answer with a 5xx.
BAD_BODIES = {
    "nested-arrays": b"[" * 100_000,
    "nested-objects": b'{"a":' * 50_000,
    "nested-closed": b"[" * 5_000 + b"]" * 5_000,
    "not-utf8": b"\xff\xfe\xfa{",
    "utf16-bom": '{"a": 1}'.encode("utf-16"),
    "not-json": b"{not json",
    "array": b"[1, 2]",
    "string": b'"start"',
    "number": b"1e999999",
    "nan": b"NaN",
    "huge-string": b'"' + b"x" * 2_000_000,
    "nul": b"\x00" * 1000,
}


@pytest.fixture
def workbench_backends(program):
    return {
        "hello": {
            "title": "Hello",
            "command": program("webapp.py", "{unix_socket}", "--title", "Hello"),
            "readiness": {"kind": "http", "path": "/", "timeout": 10},
        },
        # Its helper child outlives a kill -9 of the main process and ignores SIGTERM: the
        # supervisor needs stop_grace to reap the group, the window code-server showed.
        "sticky": {
            "title": "Sticky",
            "command": program(
                "webapp.py", "{unix_socket}", "--ignore-term", "--spawn-child", "--title", "Sticky"
            ),
            "readiness": {"kind": "http", "path": "/", "timeout": 10},
            "stop_grace": 1.0,
        },
    }


@pytest.mark.parametrize("route", POST_ROUTES, ids=lambda r: "/".join(r[2:]))
async def test_bad_bodies_answer_400_json(jp_fetch, route):
    for label, body in BAD_BODIES.items():
        response = await jp_fetch(*route, method="POST", body=body, raise_error=False)
        assert response.code == 400, (label, response.code, response.body[:200])
        error = json.loads(response.body)["error"]
        assert error["status"] == 400 and error["message"], label


async def test_nested_body_message_is_clear(jp_fetch):
    response = await jp_fetch(
        *POST_ROUTES[1], method="POST", body=b"[" * 100_000, raise_error=False
    )
    assert response.code == 400
    assert "nested too deeply" in json.loads(response.body)["error"]["message"]


async def start_backend(jp_fetch, jp_serverapp, name="hello"):
    await jp_fetch("workbench", "api", "backends", name, "start", method="POST", body="")
    managed = app_of(jp_serverapp).supervisor.get(name)
    assert managed.state.value == "running"
    return managed


start_hello = start_backend


async def test_crash_window_never_answers_500(jp_fetch, jp_serverapp):
    managed = await start_backend(jp_fetch, jp_serverapp, "sticky")
    codes = []
    for round_ in range(2):
        pid = managed.pid
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            response = await jp_fetch("sticky", f"r{round_}", raise_error=False)
            codes.append(response.code)
            if response.code == 503:
                assert int(response.headers["Retry-After"]) > 0
                assert json.loads(response.body)["error"]["status"] == 503
            else:
                assert response.code == 200, (response.code, response.body[:300])
        assert managed.pid and managed.pid != pid
        # Back in this round: the proxy waited for the reaping and started it again.
        assert codes[-1] == 200, codes
    assert 500 not in codes
    # A request that reached the dying process may get a 503 (Retry-After); no more.
    assert codes.count(503) <= 2, codes


async def test_running_backend_without_socket_answers_503(jp_fetch, jp_serverapp):
    managed = await start_hello(jp_fetch, jp_serverapp)
    os.unlink(managed.ctx.socket_path)
    response = await jp_fetch("hello", "x", raise_error=False)
    assert response.code == 503
    assert response.headers["Retry-After"] == "2"
    assert "socket is missing" in json.loads(response.body)["error"]["message"]


async def test_backend_dying_mid_request_answers_503(jp_fetch, jp_serverapp, monkeypatch):
    managed = await start_hello(jp_fetch, jp_serverapp)
    # The socket file stays but nobody listens any more: the proxy's connect is refused.
    monkeypatch.setattr(type(managed), "serving", lambda self: True)
    os.unlink(managed.ctx.socket_path)
    with open(managed.ctx.socket_path, "w"):
        pass
    response = await jp_fetch("hello", "x", raise_error=False)
    assert response.code == 503, response.body[:300]
    assert response.headers["Retry-After"] == "2"


@pytest.mark.parametrize(
    ("method", "body"),
    [("GET", b"x=1"), ("HEAD", b"x"), ("OPTIONS", b"{}"), ("DELETE", b"{}"), ("PATCH", None)],
)
async def test_proxy_refuses_bodies_it_cannot_forward(jp_fetch, jp_serverapp, method, body):
    await start_hello(jp_fetch, jp_serverapp)
    response = await jp_fetch(
        "hello",
        "page",
        method=method,
        body=body,
        allow_nonstandard_methods=True,
        raise_error=False,
    )
    assert response.code == 400, (method, response.code, response.body[:300])
    if method != "HEAD":
        assert "body" in json.loads(response.body)["error"]["message"]


async def test_proxy_forwards_well_formed_requests(jp_fetch, jp_serverapp):
    await start_hello(jp_fetch, jp_serverapp)
    response = await jp_fetch("hello", "page", raise_error=False)
    assert response.code == 200 and b"path=/page" in response.body
    response = await jp_fetch("hello", "page", method="PATCH", body=b"{}", raise_error=False)
    assert response.code == 200 and response.body == b"method=PATCH body=2"
    response = await jp_fetch("hello", "page", method="DELETE", raise_error=False)
    assert response.code == 200 and response.body == b"method=DELETE body=0"


async def test_connect_unix_waits_out_a_full_backlog(tmp_path):
    # A listener with a backlog of 1 that accepts late: asyncio's create_unix_connection
    # hands back never-connected sockets for the connects refused with EAGAIN meanwhile.
    path = str(tmp_path / "s")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    listener.setblocking(False)
    accepted = []

    async def accept_later():
        await asyncio.sleep(0.3)
        loop = asyncio.get_running_loop()
        while len(accepted) < 12:
            conn, _ = await loop.sock_accept(listener)
            accepted.append(conn)

    acceptor = asyncio.ensure_future(accept_later())
    socks = await asyncio.gather(*(connect_unix(path, timeout=5) for _ in range(12)))
    await asyncio.wait_for(acceptor, 5)
    try:
        for index, sock in enumerate(socks):
            sock.send(b"%d" % index)
        received = sorted(int(conn.recv(16)) for conn in accepted)
        assert received == list(range(12))
    finally:
        for item in (*socks, *accepted, listener):
            item.close()


async def test_connect_unix_gives_up_in_bounded_time(tmp_path):
    path = str(tmp_path / "s")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(0)
    held = []
    try:
        with pytest.raises(ConnectionRefusedError):
            for _ in range(20):  # fill the backlog, then one more
                held.append(await connect_unix(path, timeout=0.3))
    finally:
        for item in (*held, listener):
            item.close()
