"""This session's GPU processes, found in ``/proc``, and the notebook kernels they belong to.

NVML lists GPU processes by *host* PID and knows nothing of PID namespaces, so inside a
container (a JupyterHub pod) none of its PIDs match ours. What always works is to look at
our own processes — this Jupyter server and everything it started — and see which of
them hold a ``/dev/nvidiaN`` device open (N is the GPU's minor number).

A process is mapped to a notebook kernel when the kernel, or one of its ancestors up to
the server, is a kernel process the kernel manager knows, or when its command line names
a kernel connection file (``kernel-<id>.json``), which also catches kernels started by
other servers of the same session.
"""

from __future__ import annotations

import os
import re
from typing import Any  # Any: snapshots are JSON-like trees

#: Path prefix of the NVIDIA device nodes; ``/dev/nvidia0`` is the GPU with minor number 0.
DEVICE_PREFIX = "/dev/nvidia"
#: Reason recorded when a process is known only from its open device file.
MEMORY_UNKNOWN = "not reported for this session's processes (NVML lists host PIDs only)"

_CONNECTION_FILE = re.compile(r"kernel-([0-9a-fA-F-]{8,})\.json")


def process_parents(proc: str = "/proc") -> dict[int, int]:
    """``{pid: parent pid}`` of every process visible in ``proc``."""
    parents: dict[int, int] = {}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(f"{proc}/{entry}/stat", "rb") as handle:
                # The command name may hold spaces and parentheses: split after the last ")".
                parents[int(entry)] = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return parents


def descendants(root: int, parents: dict[int, int]) -> set[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def open_gpu_devices(
    pids: set[int], device_prefix: str = DEVICE_PREFIX, proc: str = "/proc"
) -> dict[int, set[int]]:
    """``{pid: {minor numbers}}`` of the processes among ``pids`` holding a GPU device open.

    Control nodes (``nvidiactl``, ``nvidia-uvm``, ``nvidia-caps/…``) are not GPUs and are
    ignored; processes we may not inspect are skipped.
    """
    found: dict[int, set[int]] = {}
    for pid in pids:
        fd_dir = f"{proc}/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        minors: set[int] = set()
        for fd in fds:
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if target.startswith(device_prefix) and target[len(device_prefix) :].isdigit():
                minors.add(int(target[len(device_prefix) :]))
        if minors:
            found[pid] = minors
    return found


def command_name(pid: int, proc: str = "/proc") -> str | None:
    """The short command name of ``pid``."""
    try:
        with open(f"{proc}/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


def kernel_of(
    pid: int,
    kernels: dict[int, dict[str, str]],
    parents: dict[int, int],
    stop: int | None = None,
    proc: str = "/proc",
) -> dict[str, str] | None:
    """The notebook kernel ``pid`` belongs to, or ``None``.

    Walks up from ``pid`` (to ``stop``, the server, at most) looking for a kernel PID of
    ``kernels``, else for a command line naming a kernel connection file.
    """
    seen: set[int] = set()
    current: int | None = pid
    while current and current not in seen and current != stop:
        seen.add(current)
        if current in kernels:
            return kernels[current]
        kernel_id = _connection_file_kernel(current, proc)
        if kernel_id:
            return {"id": kernel_id, "name": ""}
        current = parents.get(current)
    return None


def _connection_file_kernel(pid: int, proc: str) -> str | None:
    try:
        with open(f"{proc}/{pid}/cmdline", "rb") as handle:
            argv = handle.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return None
    for arg in argv:
        match = _CONNECTION_FILE.search(arg)
        if match:
            return match.group(1)
    return None


def attach_session_processes(
    snapshot: dict[str, Any],
    kernels: dict[int, dict[str, str]],
    root: int | None = None,
    device_prefix: str = DEVICE_PREFIX,
    proc: str = "/proc",
) -> None:
    """Keep only this session's GPU processes in ``snapshot`` (in place), with kernels.

    A GPU's process list becomes: the PIDs the source reported that are ours (NVML on a
    host without PID namespaces: with their memory), plus our processes that hold that
    GPU's ``/dev/nvidiaN`` open (memory unknown, see :data:`MEMORY_UNKNOWN`). A GPU whose
    minor number is unknown gets the device users only when it is the only GPU.
    """
    root = os.getpid() if root is None else root
    parents = process_parents(proc)
    mine = descendants(root, parents)
    users = open_gpu_devices(mine, device_prefix, proc)
    gpus = snapshot.get("gpus") or []
    for gpu in gpus:
        keep = [p for p in gpu.get("processes") or [] if p.get("pid") in mine]
        listed = {p["pid"] for p in keep}
        minor = gpu.get("minor_number")
        if minor is None and len(gpus) != 1:
            if users:
                gpu.setdefault("na", {})["processes"] = (
                    "this session's GPU processes cannot be told apart by GPU "
                    "(minor number unknown)"
                )
        else:
            for pid in sorted(users):
                if pid in listed or (minor is not None and minor not in users[pid]):
                    continue
                keep.append(
                    {
                        "pid": pid,
                        "name": command_name(pid, proc),
                        "type": None,
                        "used_memory_mib": None,
                        "gpu_instance_id": None,
                        "kernel": None,
                        "found_by": "open device file",
                    }
                )
                gpu.setdefault("na", {})["processes.used_memory_mib"] = MEMORY_UNKNOWN
        for entry in keep:
            entry["kernel"] = kernel_of(entry["pid"], kernels, parents, stop=root, proc=proc)
        gpu["processes"] = keep
