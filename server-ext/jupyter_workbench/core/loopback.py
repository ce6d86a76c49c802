"""The loopback-port fallback for programs that cannot listen on a unix socket.

Every backend is reached through a 0600 unix socket. A program that can only listen on
TCP (RStudio Server before 2023.03, which has no ``--www-socket``) is, when the admin
allows it, started on a loopback port and reached through a bridge: the supervisor
listens on the backend's unix socket itself and forwards each connection to
``127.0.0.1:<port>``, so the proxy path stays the same.

The port is picked so that a lost race cannot leak traffic:

1. :func:`reserve_loopback_port` binds ``127.0.0.1:0`` and lets the kernel choose a free
   port, held until just before the program is spawned;
2. :func:`port_owner` reads ``/proc/net/tcp`` and the program's file descriptors: the
   bridge opens only once the listening socket on that port belongs to the program's
   own process group. If another process took the port in between, nothing is forwarded
   and the supervisor starts again on a fresh port.

The port itself is reachable by every user on the node (TCP has no file permissions);
that is why the fallback is off by default.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import socket

from .proctable import live_group_members

_LISTEN = "0A"
_LOOPBACK_V4 = "0100007F"  # 127.0.0.1 in /proc/net/tcp's little-endian hex


class PortOwner(enum.Enum):
    """Who listens on a loopback port."""

    NOBODY = "nobody"
    OURS = "ours"
    FOREIGN = "foreign"


def reserve_loopback_port() -> socket.socket:
    """A bound (not listening) ``127.0.0.1`` socket on a port the kernel chose.

    Close it right before spawning the program that is to listen on
    ``sock.getsockname()[1]``.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def _listening_inodes(port: int, table: str = "/proc/net/tcp") -> set[int]:
    """Inodes of the sockets listening on ``port`` on 127.0.0.1 or the wildcard address."""
    inodes: set[int] = set()
    try:
        with open(table, encoding="ascii") as handle:
            next(handle, None)
            for line in handle:
                fields = line.split()
                if len(fields) < 10 or fields[3] != _LISTEN:
                    continue
                address, _, hex_port = fields[1].partition(":")
                if int(hex_port, 16) == port and address in {_LOOPBACK_V4, "00000000"}:
                    inodes.add(int(fields[9]))
    except OSError:
        pass
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    inodes: set[int] = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in fds:
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def port_owner(port: int, pgid: int) -> PortOwner:
    """Whether the listener on ``127.0.0.1:port`` belongs to process group ``pgid``."""
    listening = _listening_inodes(port)
    if not listening:
        return PortOwner.NOBODY
    for pid in live_group_members(pgid):
        if _socket_inodes(pid) & listening:
            return PortOwner.OURS
    return PortOwner.FOREIGN


class UnixToLoopbackBridge:
    """Listens on a unix socket (0600) and forwards each connection to ``127.0.0.1:port``."""

    def __init__(self, socket_path: str, port: int) -> None:
        self.socket_path = socket_path
        self.port = port
        self._server: asyncio.AbstractServer | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Create the unix socket (mode 0600 from the start) and accept connections."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=self.socket_path)
        finally:
            os.umask(old_umask)
        os.chmod(self.socket_path, 0o600)

    async def close(self) -> None:
        """Stop accepting, cut open connections and remove the socket."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None
        for task in list(self._pipes):
            task.cancel()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        up_writer: asyncio.StreamWriter | None = None
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            if up_writer is not None:
                up_writer.close()
            self._pipes.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until EOF, then half-close (or close) the other side."""
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        else:
            writer.close()
    except OSError:
        writer.close()
