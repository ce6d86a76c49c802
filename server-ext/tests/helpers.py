"""Helpers for tests: processes, sockets and TCP listeners seen through /proc."""

from __future__ import annotations

import os


def process_alive(pid: int | None) -> bool:
    """Whether ``pid`` is a live (non-zombie) process."""
    if pid is None:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {b"Z", b"X"}


def listening_tcp_inodes() -> set[int]:
    """Socket inodes of every TCP socket in LISTEN state (IPv4 and IPv6)."""
    inodes: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    if fields[3] == "0A":  # TCP_LISTEN
                        inodes.add(int(fields[9]))
        except OSError:
            continue
    return inodes


def descendants(pid: int) -> set[int]:
    """``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                ppid = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def socket_inodes_of(pid: int, include_children: bool = True) -> set[int]:
    """Inodes of the sockets held open by ``pid`` (and its descendants)."""
    pids = descendants(pid) if include_children else {pid}
    inodes: set[int] = set()
    for proc in pids:
        try:
            fds = os.listdir(f"/proc/{proc}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{proc}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes
