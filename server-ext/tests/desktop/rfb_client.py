"""A minimal RFB 3.8 client (RFC 6143) for tests and benches: what a VNC viewer receives.

Security type None, pixel format 32 bpp true colour (red << 16 | green << 8 | blue,
little-endian), Raw encoding only. It connects to a unix socket (Xvnc's ``-rfbunixpath``)
and keeps a copy of the framebuffer, updated from every FramebufferUpdate it reads.

    with RFBClient.connect(path) as rfb:
        rfb.refresh()                        # a full, non-incremental update
        assert rfb.pixel(10, 10) == (255, 0, 0)
"""

from __future__ import annotations

import socket
import struct
import time

PROTOCOL = b"RFB 003.008\n"
SECURITY_NONE = 1
ENCODING_RAW = 0
#: bpp 32, depth 24, little-endian, true colour, max 255/255/255, shifts 16/8/0.
PIXEL_FORMAT = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)


class RFBError(Exception):
    """The server broke the protocol or refused us."""


class RFBClient:
    """One RFB connection; the framebuffer as width x height BGRX pixels."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.width = 0
        self.height = 0
        self.name = ""
        self.framebuffer = bytearray()
        #: FramebufferUpdate messages read so far.
        self.updates = 0

    # ------------------------------------------------------------------ connection
    @classmethod
    def connect(cls, path: str, timeout: float = 10.0) -> RFBClient:
        """Connect to the unix socket ``path`` and complete the RFB 3.8 handshake."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
            client = cls(sock)
            client._handshake()
        except BaseException:
            sock.close()
            raise
        return client

    def __enter__(self) -> RFBClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.sock.close()

    def _recv(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self.sock.recv(min(size - len(data), 1 << 20))
            if not chunk:
                raise RFBError(f"the server closed the connection ({len(data)}/{size} bytes)")
            data += chunk
        return bytes(data)

    def _handshake(self) -> None:
        banner = self._recv(12)
        if not banner.startswith(b"RFB 003."):
            raise RFBError(f"not an RFB server: {banner!r}")
        self.sock.sendall(PROTOCOL)
        (count,) = self._recv(1)
        if count == 0:
            (length,) = struct.unpack(">I", self._recv(4))
            raise RFBError("connection refused: " + self._recv(length).decode("latin-1"))
        types = self._recv(count)
        if SECURITY_NONE not in types:
            raise RFBError(f"the server does not offer security type None (offers {list(types)})")
        self.sock.sendall(bytes([SECURITY_NONE]))
        (result,) = struct.unpack(">I", self._recv(4))
        if result != 0:
            (length,) = struct.unpack(">I", self._recv(4))
            raise RFBError("security handshake failed: " + self._recv(length).decode("latin-1"))
        self.sock.sendall(b"\x01")  # ClientInit: shared
        self.width, self.height = struct.unpack(">HH", self._recv(4))
        self._recv(16)  # the server's pixel format: replaced below
        (length,) = struct.unpack(">I", self._recv(4))
        self.name = self._recv(length).decode("utf-8", "replace")
        self.framebuffer = bytearray(self.width * self.height * 4)
        self.sock.sendall(b"\x00\x00\x00\x00" + PIXEL_FORMAT)  # SetPixelFormat
        self.sock.sendall(struct.pack(">BxHi", 2, 1, ENCODING_RAW))  # SetEncodings: Raw

    # ------------------------------------------------------------------ updates
    def request(self, incremental: bool = False) -> None:
        """Send a FramebufferUpdateRequest for the whole screen."""
        message = struct.pack(">BBHHHH", 3, int(incremental), 0, 0, self.width, self.height)
        self.sock.sendall(message)

    def read_message(self) -> int:
        """Read one server message; apply it. Returns its type (0 = FramebufferUpdate)."""
        (kind,) = self._recv(1)
        if kind == 0:
            (rects,) = struct.unpack(">xH", self._recv(3))
            for _ in range(rects):
                x, y, w, h, encoding = struct.unpack(">HHHHi", self._recv(12))
                if encoding != ENCODING_RAW:
                    raise RFBError(f"encoding {encoding} was not asked for (Raw only)")
                self._blit(x, y, w, h, self._recv(w * h * 4))
            self.updates += 1
        elif kind == 1:  # SetColourMapEntries (not used in true colour)
            _first, count = struct.unpack(">xHH", self._recv(5))
            self._recv(6 * count)
        elif kind == 2:  # Bell
            pass
        elif kind == 3:  # ServerCutText
            (length,) = struct.unpack(">3xI", self._recv(7))
            self._recv(length)
        else:
            raise RFBError(f"unexpected server message type {kind}")
        return kind

    def _blit(self, x: int, y: int, w: int, h: int, pixels: bytes) -> None:
        if x + w > self.width or y + h > self.height:
            raise RFBError(f"rectangle {w}x{h}+{x}+{y} outside {self.width}x{self.height}")
        row = w * 4
        for line in range(h):
            start = ((y + line) * self.width + x) * 4
            self.framebuffer[start : start + row] = pixels[line * row : (line + 1) * row]

    def refresh(self, incremental: bool = False) -> None:
        """Request an update and read messages until a FramebufferUpdate has been applied."""
        self.request(incremental)
        while self.read_message() != 0:
            pass

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        """``(red, green, blue)`` of the framebuffer at ``(x, y)``."""
        at = (y * self.width + x) * 4
        blue, green, red = self.framebuffer[at : at + 3]
        return red, green, blue

    def count_updates(self, seconds: float) -> int:
        """FramebufferUpdates with content received in ``seconds`` (incremental requests)."""
        deadline = time.monotonic() + seconds
        start = self.updates
        while time.monotonic() < deadline:
            self.refresh(incremental=True)
        return self.updates - start
