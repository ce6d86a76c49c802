"""Readiness probes: is the backend behind a unix socket ready to serve?

Three kinds, chosen per backend:

``http``
    An HTTP request (``GET path``) on the unix socket gets an answer whose status is in
    ``accept_status`` (by default any status below 500). Unlike jupyter-server-proxy, a
    502/503 from a half-started app does not count as ready.
``rfb``
    The socket greets with an RFB protocol banner (``RFB 003.00x\\n``), as a VNC server does.
``socket``
    The socket accepts a connection.
``x11``
    An X server's socket (``…/X<N>``) completes the X11 connection setup with the cookie
    of ``xauthority`` (:func:`jupyter_workbench.core.rendering.x11_setup`).
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass, field

from .rendering import x11_setup

_RFB_BANNER = re.compile(rb"^RFB \d{3}\.\d{3}\n$")
_HTTP_STATUS = re.compile(rb"^HTTP/1\.[01] (\d{3})")


@dataclass(frozen=True)
class ReadinessProbe:
    """How to tell that a backend is ready.

    Attributes:
        kind: ``"http"``, ``"rfb"`` or ``"socket"``.
        path: Request path for ``http`` probes (``{base_url}`` is substituted by the caller).
        accept_status: HTTP statuses that count as ready; empty means any status below 500.
        timeout: Seconds the backend has, from spawn, to become ready.
        interval: Seconds between two probes.
        xauthority: The Xauthority file whose cookie an ``x11`` probe presents.
    """

    kind: str = "http"
    path: str = "/"
    accept_status: tuple[int, ...] = field(default_factory=tuple)
    timeout: float = 30.0
    interval: float = 0.1
    xauthority: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in {"http", "rfb", "socket", "x11"}:
            raise ValueError(f"unknown readiness kind {self.kind!r}; use http, rfb, socket or x11")
        if self.timeout <= 0 or self.interval <= 0:
            raise ValueError("readiness timeout and interval must be positive")

    async def check(self, socket_path: str, *, path: str | None = None) -> bool:
        """Probe once; ``True`` when the backend at ``socket_path`` is ready."""
        try:
            if self.kind == "rfb":
                return await read_rfb_banner(socket_path) is not None
            if self.kind == "x11":
                return await x11_ready(socket_path, self.xauthority)
            if self.kind == "socket":
                _, writer = await asyncio.wait_for(
                    asyncio.open_unix_connection(socket_path), timeout=1.0
                )
                writer.close()
                return True
            status = await http_status(socket_path, path or self.path)
        except (OSError, asyncio.TimeoutError, EOFError, ValueError):
            return False
        if status is None:
            return False
        return status in self.accept_status if self.accept_status else status < 500


async def x11_ready(socket_path: str, xauthority: str | None) -> bool:
    """Whether the X server on ``socket_path`` (``…/X<N>``) accepts our connection setup."""
    name = os.path.basename(socket_path)
    if not (name.startswith("X") and name[1:].isdigit()):
        raise ValueError(f"not an X server socket: {socket_path}")
    reply = await asyncio.to_thread(
        x11_setup, socket_path, int(name[1:]), xauthority=xauthority, timeout=1.0
    )
    return bool(reply["status"] == "success")


async def read_rfb_banner(socket_path: str, timeout: float = 1.0) -> bytes | None:
    """Connect to a VNC server's unix socket and return its 12-byte RFB banner, or ``None``."""
    reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(socket_path), timeout)
    try:
        banner = await asyncio.wait_for(reader.readexactly(12), timeout)
    except (asyncio.IncompleteReadError, asyncio.TimeoutError):
        return None
    finally:
        writer.close()
    return banner if _RFB_BANNER.match(banner) else None


async def http_status(socket_path: str, path: str, timeout: float = 2.0) -> int | None:
    """Send ``GET path`` over the unix socket and return the response status code."""
    reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(socket_path), timeout)
    try:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: jupyter-workbench-probe\r\n"
            "Accept: */*\r\nConnection: close\r\n\r\n"
        )
        writer.write(request.encode("latin-1"))
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
    finally:
        writer.close()
    match = _HTTP_STATUS.match(line)
    return int(match.group(1)) if match else None
