"""Idle policy for desktops: only user input counts as activity.

jupyter-server-proxy records activity for every WebSocket message in both directions, so
an open noVNC tab (which keeps asking for framebuffer updates and receives them) looks
busy forever and keeps a GPU session alive against JupyterHub's idle culler.

With ``c.WorkbenchDesktop.activity = "input"`` (the default) the desktop's proxy gets
``update_last_activity=InputActivityPolicy(...)`` (jupyter-server-proxy ≥ 4.6 accepts a
callable). The callable never lets the proxy record activity itself; on the first call
for a connection it attaches an incremental parser of the client→server RFB stream to
that handler, and records activity (``last_activity_times["jupyter-workbench-desktop"]``)
only for KeyEvent (4), PointerEvent (5), ClientCutText (6) and QEMU extended key events.
If the stream cannot be parsed (an unknown message type), every client message counts
again, so a parse gap can never get an active user culled.
"""

from __future__ import annotations

import struct
from typing import Any, Callable  # Any: jupyter-server-proxy's handlers and messages are untyped

from jupyter_server._tz import utcnow

#: Key in ``settings["last_activity_times"]`` that desktop input updates.
ACTIVITY_KEY = "jupyter-workbench-desktop"

# Client message types (RFC 6143 §7.5 and the community extensions noVNC sends).
SET_PIXEL_FORMAT, SET_ENCODINGS, FB_UPDATE_REQUEST = 0, 2, 3
KEY_EVENT, POINTER_EVENT, CLIENT_CUT_TEXT = 4, 5, 6
ENABLE_CONTINUOUS_UPDATES, CLIENT_FENCE, XVP, SET_DESKTOP_SIZE, QEMU = 150, 248, 250, 251, 255
INPUT_TYPES = frozenset({KEY_EVENT, POINTER_EVENT, CLIENT_CUT_TEXT})


class RfbClientStream:
    """Incremental parser of what an RFB client sends; counts user input events."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.stage = "version"
        self.broken: str | None = None
        self.input_events = 0

    def feed(self, data: bytes) -> bool:
        """Consume ``data``; ``True`` when it completed at least one user input event
        (or when the stream could not be parsed, so activity is never lost)."""
        if self.broken:
            return True
        self.buffer.extend(data)
        seen = False
        while True:
            step = self._step()
            if step is None:
                return seen or bool(self.broken)
            seen = seen or step

    def _step(self) -> bool | None:
        """Parse one unit; ``None`` when more bytes are needed (or parsing stopped)."""
        buf = self.buffer
        if self.stage == "version":
            if len(buf) < 12:
                return None
            version = bytes(buf[:12])
            del buf[:12]
            if not version.startswith(b"RFB 003."):
                self._give_up(f"unexpected client version {version!r}")
                return None
            minor = int(version[8:11]) if version[8:11].isdigit() else 3
            self.stage = "security" if minor >= 7 else "clientinit"
            return False
        if self.stage == "security":
            if not buf:
                return None
            kind = buf[0]
            del buf[:1]
            if kind == 1:  # None
                self.stage = "clientinit"
            elif kind == 2:  # VNC authentication: a 16-byte response follows
                self.stage = "vncauth"
            else:
                self._give_up(f"security type {kind} is not parsed")
                return None
            return False
        if self.stage == "vncauth":
            if len(buf) < 16:
                return None
            del buf[:16]
            self.stage = "clientinit"
            return False
        if self.stage == "clientinit":
            if not buf:
                return None
            del buf[:1]
            self.stage = "messages"
            return False
        return self._message()

    def _message(self) -> bool | None:
        buf = self.buffer
        if not buf:
            return None
        kind = buf[0]
        size = self._message_size(kind)
        if size is None or size > len(buf):
            return None
        del buf[:size]
        if kind in INPUT_TYPES or (kind == QEMU and self._qemu_key):
            self.input_events += 1
            return True
        return False

    def _message_size(self, kind: int) -> int | None:
        """Total length of the message at the buffer start; ``None`` when more is needed."""
        buf = self.buffer
        fixed = {
            SET_PIXEL_FORMAT: 20,
            FB_UPDATE_REQUEST: 10,
            KEY_EVENT: 8,
            POINTER_EVENT: 6,
            ENABLE_CONTINUOUS_UPDATES: 10,
            XVP: 4,
        }
        if kind in fixed:
            return fixed[kind]
        if kind == SET_ENCODINGS:
            return 4 + 4 * int(struct.unpack(">H", buf[2:4])[0]) if len(buf) >= 4 else None
        if kind == CLIENT_CUT_TEXT:
            if len(buf) < 8:
                return None
            length = int(struct.unpack(">i", buf[4:8])[0])
            return 8 + abs(length)  # negative = extended clipboard message
        if kind == CLIENT_FENCE:
            return 9 + buf[8] if len(buf) >= 9 else None
        if kind == SET_DESKTOP_SIZE:
            return 8 + 16 * buf[6] if len(buf) >= 7 else None
        if kind == QEMU:
            if len(buf) < 2:
                return None
            self._qemu_key = buf[1] == 0
            if buf[1] == 0:
                return 12  # extended key event
            if buf[1] == 1 and len(buf) >= 4:
                return 10 if struct.unpack(">H", buf[2:4])[0] == 2 else 4  # audio
            if buf[1] != 1:
                self._give_up(f"QEMU subtype {buf[1]}")
            return None
        self._give_up(f"client message type {kind}")
        return None

    _qemu_key = False

    def _give_up(self, why: str) -> None:
        self.broken = why
        self.buffer.clear()


class InputActivityPolicy:
    """``update_last_activity`` callable for a desktop's jupyter-server-proxy handler."""

    def __init__(self, log: Any = None) -> None:
        self.log = log

    def __call__(self, handler: Any) -> bool:
        if not getattr(handler, "_workbench_input_stream", None):
            self.attach(handler)
        return False

    def attach(self, handler: Any) -> None:
        """Wrap this connection's ``on_message`` with the RFB input parser."""
        stream = RfbClientStream()
        handler._workbench_input_stream = stream
        forward: Callable[[Any], Any] = handler.on_message
        policy = self

        def on_message(message: Any) -> Any:
            data = message.encode("utf-8") if isinstance(message, str) else message
            broken_before = stream.broken
            if stream.feed(data):
                record_activity(handler.settings)
            if stream.broken and not broken_before and policy.log is not None:
                policy.log.warning(
                    "[workbench] desktop idle policy: %s; counting every message", stream.broken
                )
            return forward(message)

        handler.on_message = on_message


def record_activity(settings: dict[str, Any]) -> None:
    """Mark user activity for Jupyter's idle tracking (and JupyterHub's culler)."""
    settings.setdefault("last_activity_times", {})[ACTIVITY_KEY] = utcnow()
