"""What our proxy routes add between the browser and a backend: no WebSocket compression
on the backend leg, no ETag the backend did not send.

jupyter-server-proxy opens that leg with ``compression_options={}``, so each message
between Jupyter and a backend on a local unix socket was compressed twice over; ours
opens it without compression (core/proxy.py). The backend double (programs/wsbackend.py)
accepts permessage-deflate whenever it is offered and reports the offer it received.
"""

from __future__ import annotations

import json

import pytest
from jupyter_server_proxy.unixsock import UnixResolver
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect


def app_of(jp_serverapp):
    return next(iter(jp_serverapp.extension_manager.extension_apps["jupyter_workbench"]))


@pytest.fixture
def workbench_backends(program):
    return {
        "wsb": {
            "title": "WS backend",
            "command": program("wsbackend.py", "{unix_socket}"),
            "readiness": {"kind": "http", "path": "/", "timeout": 20},
        },
        "plain": {
            "title": "Plain HTTP",
            "command": program("webapp.py", "{unix_socket}", "--title", "Plain"),
            "readiness": {"kind": "http", "path": "/", "timeout": 20},
        },
    }


async def first_message(ws) -> dict:
    try:
        return json.loads(await ws.read_message())
    finally:
        ws.close()


async def test_backend_leg_offers_no_deflate(jp_ws_fetch, jp_serverapp):
    # The browser side offers compression (as Chromium does): it must not be forwarded.
    ws = await jp_ws_fetch("wsb", "ws", compression_options={})
    try:
        hello = json.loads(await ws.read_message())
        assert hello == {"extensions": None, "deflate": False}
        ws.write_message("x" * 4096)
        assert await ws.read_message() == "x" * 4096
        ws.write_message(b"\x00\x01binary", binary=True)
        assert await ws.read_message() == b"\x00\x01binary"
    finally:
        ws.close()
    # Control: the same backend, reached directly with an offer, does negotiate deflate,
    # so the assertion above would see one if the proxy made it.
    managed = app_of(jp_serverapp).catalogue.managed("wsb")
    direct = await websocket_connect(
        HTTPRequest("ws://localhost/ws"),
        compression_options={},
        resolver=UnixResolver(managed.ctx.socket_path),
    )
    report = await first_message(direct)
    assert report["deflate"] is True
    assert report["extensions"].startswith("permessage-deflate")


async def test_browser_leg_follows_jupyter_default(jp_ws_fetch):
    # Jupyter's default websocket_compression_options is None: no deflate to the browser.
    ws = await jp_ws_fetch("wsb", "ws", compression_options={})
    try:
        await ws.read_message()
        assert "Sec-WebSocket-Extensions" not in ws.headers
        assert ws.protocol._compressor is None
    finally:
        ws.close()


async def test_no_etag_added_to_backend_response(jp_fetch):
    # webapp.py sends no ETag; tornado would hash the body and add one.
    response = await jp_fetch("plain", "page")
    assert b"Plain" in response.body
    assert "Etag" not in response.headers
    # The backend's own ETag passes through unchanged (tornado's handler in wsbackend.py).
    response = await jp_fetch("wsb", "ready")
    assert response.body == b"ready" and response.headers["Etag"].startswith('"')
