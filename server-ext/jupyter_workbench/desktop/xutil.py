"""X display helpers shared by the launcher, the backend and the tests.

* Stale ``/tmp/.X<N>-lock`` files and ``/tmp/.X11-unix/X<N>`` sockets are removed only
  when their owner is provably gone (the lock's PID is dead; a socket nobody accepts on).
* The Xauthority file holds one wildcard MIT-MAGIC-COOKIE-1 entry (any address, any
  display number), so it can be written before Xvnc picks its display with ``-displayfd``.

Only cheap modules are imported at the top: the desktop launcher imports this module on
its critical path (before Xvnc is spawned).
"""

from __future__ import annotations

import errno
import os
import struct

#: Where X servers keep their lock files and sockets.
LOCK_DIR = "/tmp"
SOCKET_DIR = "/tmp/.X11-unix"

#: Xauth family that matches any address.
FAMILY_WILD = 0xFFFF


def lock_path(display: int, lock_dir: str = LOCK_DIR) -> str:
    """``/tmp/.X<N>-lock``."""
    return os.path.join(lock_dir, f".X{display}-lock")


def socket_path(display: int, socket_dir: str = SOCKET_DIR) -> str:
    """``/tmp/.X11-unix/X<N>``."""
    return os.path.join(socket_dir, f"X{display}")


def read_lock_pid(path: str) -> int | None:
    """The PID written in an X lock file (``%10d\\n``), or ``None`` when unreadable."""
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            text = handle.read(64).strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie counts as dead)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != b"Z"


def socket_listening(path: str) -> bool:
    """Whether something accepts connections on the unix socket at ``path``."""
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(0.5)
    try:
        sock.connect(path)
    except OSError as err:
        # A full backlog or a slow server still means an owner.
        return err.errno in {errno.EAGAIN, errno.ETIMEDOUT}
    finally:
        sock.close()
    return True


def remove_stale_display(
    display: int, lock_dir: str = LOCK_DIR, socket_dir: str = SOCKET_DIR
) -> list[str]:
    """Remove display ``display``'s lock and socket when their owner is dead.

    A lock with a live PID (or an unreadable one) is left alone, and so is its socket.
    A socket without a lock is removed only when nothing accepts connections on it.
    Returns the paths removed.
    """
    removed: list[str] = []
    lock = lock_path(display, lock_dir)
    sock = socket_path(display, socket_dir)
    if os.path.lexists(lock):
        pid = read_lock_pid(lock)
        if pid is None or pid_alive(pid):
            return removed
        if _unlink(lock):
            removed.append(lock)
        if os.path.lexists(sock) and not socket_listening(sock) and _unlink(sock):
            removed.append(sock)
        return removed
    if os.path.lexists(sock) and not socket_listening(sock) and _unlink(sock):
        removed.append(sock)
    return removed


def remove_stale_displays(lock_dir: str = LOCK_DIR, socket_dir: str = SOCKET_DIR) -> list[str]:
    """Clean every display whose lock or socket was left behind by a dead server."""
    displays: set[int] = set()
    for folder, prefix, suffix in ((lock_dir, ".X", "-lock"), (socket_dir, "X", "")):
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            number = entry[len(prefix) : len(entry) - len(suffix)]
            if entry.startswith(prefix) and entry.endswith(suffix) and number.isdigit():
                displays.add(int(number))
    removed: list[str] = []
    for display in sorted(displays):
        removed.extend(remove_stale_display(display, lock_dir, socket_dir))
    return removed


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    except OSError:  # another user's file: not ours to remove
        return False
    return True


def claim_lock(display: int, pid: int, lock_dir: str = LOCK_DIR) -> bool:
    """Write ``/tmp/.X<N>-lock`` for ``pid`` unless a lock already exists.

    Xvnc started with ``-displayfd`` writes no lock file, so an X server started later
    with a fixed display number (``Xorg :0``) would not see that the display is taken and
    would replace its socket. Writing the lock the way X servers do (``%10d\\n``) makes
    such servers refuse the display. Returns whether the lock was written.
    """
    path = lock_path(display, lock_dir)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    except FileExistsError:
        return False
    except OSError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(f"{pid:10d}\n")
    return True


def write_xauthority(
    path: str, cookie: bytes | None = None, displays: list[tuple[int, bytes]] | None = None
) -> bytes:
    """Write a 0600 Xauthority file with one wildcard MIT-MAGIC-COOKIE-1 entry.

    The entry has family FamilyWild and an empty display number, which libXau matches
    for every display, so the file works whatever number Xvnc picks. ``displays`` adds
    ``(number, cookie)`` entries for other X servers (the ``xorg`` mode's 3D X server)
    before it: libXau takes the first entry that matches. The file is replaced atomically
    (an X server reading it sees the old or the new one). Returns the wildcard cookie.
    """
    cookie = cookie or os.urandom(16)

    def field(data: bytes) -> bytes:
        return struct.pack(">H", len(data)) + data

    def entry(number: str, secret: bytes) -> bytes:
        return (
            struct.pack(">H", FAMILY_WILD)
            + field(b"")
            + field(number.encode("ascii"))
            + field(b"MIT-MAGIC-COOKIE-1")
            + field(secret)
        )

    data = b"".join(entry(str(number), secret) for number, secret in displays or [])
    data += entry("", cookie)
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return cookie


def parse_display(text: str) -> int | None:
    """``":1"``, ``"1"``, ``":1.0"`` or ``"1\\n"`` → 1; anything else → ``None``."""
    text = text.strip()
    text = text[1:] if text.startswith(":") else text
    number, _, screen = text.partition(".")
    if number.isdigit() and (not screen or screen.isdigit()):
        return int(number)
    return None
