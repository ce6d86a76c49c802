"""Helpers shared by the desktop tests (imported by module name; conftest.py is not)."""

from __future__ import annotations

import asyncio
import re
import shutil
import time

import pytest

needs_xvnc = pytest.mark.skipif(
    shutil.which("Xvnc") is None or shutil.which("twm") is None,
    reason="needs TigerVNC Xvnc and twm (apt install tigervnc-standalone-server twm)",
)

RFB_BANNER = b"RFB 003.008\n"

#: Xorg with the dummy driver and Mesa GLX: the 3D X server of the sidecar mode in tests.
DUMMY_XORG_CONF = """\
Section "ServerFlags"
  Option "DontVTSwitch" "true"
  Option "AutoAddDevices" "false"
  Option "AutoAddGPU" "false"
EndSection
Section "Device"
  Identifier "dummy"
  Driver "dummy"
  VideoRam 32768
EndSection
Section "Monitor"
  Identifier "monitor"
  HorizSync 5.0-1000.0
  VertRefresh 5.0-200.0
EndSection
Section "Screen"
  Identifier "screen"
  Device "dummy"
  Monitor "monitor"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Virtual 1024 768
  EndSubSection
EndSection
"""


def unstamped(line: str) -> str:
    """A log line without the launcher's start-timeline stamp (``[desktop] +N ms …``)."""
    return re.sub(r"^\[desktop\] \+\d+ ms ", "[desktop] ", line)


async def wait_until(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Await ``predicate()`` (sync or async) until truthy; return its value or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


async def start(api) -> dict:
    """POST start and check the desktop is running; returns its status."""
    code, data = await api("POST", "backends", "desktop", "start")
    assert code == 200 and data["state"] == "running", data
    return data


async def status(api) -> dict:
    """GET the desktop's status."""
    code, data = await api("GET", "backends", "desktop")
    assert code == 200, data
    return data


async def state_is(api, state: str):
    """The status when the desktop is in ``state``, else ``None``."""
    data = await status(api)
    return data if data["state"] == state else None


async def read_banner(ws) -> bytes:
    """The first message of a proxied VNC WebSocket."""
    message = await ws.read_message()
    assert message is not None, "the proxy closed the WebSocket"
    return message


class RFBViewer:
    """The viewer side of an RFB 3.8 handshake (security type None) over a proxied WebSocket.

    WebSocket messages carry arbitrary slices of the RFB stream, so reads are buffered.
    """

    def __init__(self, ws) -> None:
        self.ws = ws
        self.buffer = b""

    async def read(self, count: int) -> bytes:
        """Exactly ``count`` bytes of the stream."""
        while len(self.buffer) < count:
            message = await self.ws.read_message()
            if message is None:
                raise ConnectionError(f"WebSocket closed; got {self.buffer!r}")
            self.buffer += message if isinstance(message, bytes) else message.encode()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    async def handshake(self) -> tuple[int, int, str]:
        """Run the handshake up to ServerInit; return (width, height, desktop name).

        Raises ``ConnectionError`` with the server's reason when it refuses the viewer
        (e.g. TigerVNC's "Too many security failures").
        """
        assert await self.read(12) == RFB_BANNER
        await self.ws.write_message(RFB_BANNER, binary=True)
        (count,) = await self.read(1)
        if count == 0:
            length = int.from_bytes(await self.read(4), "big")
            raise ConnectionError((await self.read(length)).decode(errors="replace"))
        types = await self.read(count)
        assert 1 in types, f"security type None not offered: {list(types)}"
        await self.ws.write_message(bytes([1]), binary=True)
        result = int.from_bytes(await self.read(4), "big")
        if result != 0:
            length = int.from_bytes(await self.read(4), "big")
            raise ConnectionError((await self.read(length)).decode(errors="replace"))
        await self.ws.write_message(bytes([1]), binary=True)  # ClientInit: shared
        head = await self.read(24)
        width, height = int.from_bytes(head[0:2], "big"), int.from_bytes(head[2:4], "big")
        name = (await self.read(int.from_bytes(head[20:24], "big"))).decode(errors="replace")
        return width, height, name
