"""Idle policy: only user input on the desktop's WebSocket counts as server activity."""

from __future__ import annotations

import struct

from desktop_helpers import RFB_BANNER, needs_xvnc, read_banner, wait_until

from jupyter_workbench.desktop.activity import ACTIVITY_KEY, RfbClientStream

HANDSHAKE = b"RFB 003.008\n" + b"\x01" + b"\x01"  # version, security None, ClientInit shared
SET_ENCODINGS = struct.pack(">BxHiii", 2, 3, 0, 1, -223)
FB_UPDATE_REQUEST = struct.pack(">BBHHHH", 3, 1, 0, 0, 800, 600)
KEY_EVENT = struct.pack(">BBxxI", 4, 1, 0x61)
POINTER_EVENT = struct.pack(">BBHH", 5, 0, 10, 20)
QEMU_KEY = struct.pack(">BBHII", 255, 0, 1, 0x61, 30)
FENCE = struct.pack(">BxxxIB", 248, 0, 4) + b"abcd"


def test_parser_counts_only_input():
    stream = RfbClientStream()
    assert stream.feed(HANDSHAKE) is False
    assert stream.feed(SET_ENCODINGS + FB_UPDATE_REQUEST + FENCE) is False
    assert stream.feed(FB_UPDATE_REQUEST * 5) is False
    assert stream.feed(POINTER_EVENT) is True
    assert stream.feed(KEY_EVENT[:3]) is False  # split across WebSocket messages
    assert stream.feed(KEY_EVENT[3:] + FB_UPDATE_REQUEST) is True
    assert stream.feed(QEMU_KEY) is True
    cut = b"hello"
    assert stream.feed(struct.pack(">Bxxxi", 6, len(cut)) + cut) is True
    assert stream.input_events == 4 and stream.broken is None


def test_unknown_message_falls_back_to_counting_everything():
    stream = RfbClientStream()
    stream.feed(HANDSHAKE)
    assert stream.feed(b"\x63junk") is True
    assert "client message type 99" in stream.broken
    assert stream.feed(FB_UPDATE_REQUEST) is True


@needs_xvnc
async def test_open_tab_is_idle_until_the_user_types(jp_ws_fetch, jp_serverapp):
    times = jp_serverapp.web_app.settings.setdefault("last_activity_times", {})
    ws = await jp_ws_fetch("desktop/")
    try:
        assert await read_banner(ws) == RFB_BANNER
        await ws.write_message(HANDSHAKE, binary=True)
        for _ in range(5):
            await ws.write_message(FB_UPDATE_REQUEST, binary=True)
        await ws.read_message()  # the server answers: traffic flows both ways
        assert ACTIVITY_KEY not in times
        assert "jupyter-server-proxy" not in times  # the proxy's own tracking is off
        await ws.write_message(POINTER_EVENT, binary=True)
        await wait_until(lambda: ACTIVITY_KEY in times, timeout=5)
    finally:
        ws.close()
