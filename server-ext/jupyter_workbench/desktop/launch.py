"""The desktop process the supervisor runs: Xvnc, then the session, in one process group.

Usage: ``python -m jupyter_workbench.desktop.launch SPEC.json`` where the spec (written by
:class:`~jupyter_workbench.backends.desktop.DesktopBackend`) holds:

``xvnc_argv``      Xvnc and its options (``-rfbunixpath <private path> …``), without
                   ``-displayfd``/``-auth``
``rfb_socket``     Xvnc's ``-rfbunixpath``; ``socket`` the path it is published at
``session_argv``   the session command (already wrapped in ``vglrun +wm`` in GPU modes)
``session_env``    extra environment for the session (VGL_*, WORKBENCH_*)
``xauthority``     where to write the private MIT cookie (inside the 0700 socket dir)
``state_file``     where to publish ``{display, xvnc_pid, session_pid, …}`` as JSON
``display_timeout`` seconds Xvnc has to report its display number
``disable_screensaver`` run ``xset s off -dpms`` (and XFCE's xfconf switches) when true

Steps: remove stale X locks/sockets whose owner is dead; write a fresh cookie; start Xvnc
with ``-displayfd`` on a pipe and read the display number Xvnc chose; start the session
with ``DISPLAY`` set; publish the state file, then move Xvnc's socket to the path the
supervisor probes (so "ready" implies the display number is known); then wait. When the session exits (logout) Xvnc is stopped and this
process exits with the session's code (0 → the supervisor marks the desktop stopped).
When Xvnc dies, the session is stopped, Xvnc's stale lock is removed and this process
exits non-zero (the supervisor marks it failed and restarts it). SIGTERM stops both.
All output (ours, Xvnc's, the session's) goes to stdout, which the supervisor logs.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from typing import Any

from .xutil import (
    claim_lock,
    lock_path,
    parse_display,
    remove_stale_display,
    remove_stale_displays,
    write_xauthority,
)

#: Seconds given to children between SIGTERM and SIGKILL.
STOP_GRACE = 3.0


class Terminated(Exception):
    """Raised from the signal handler to leave the wait loop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def log(message: str) -> None:
    """Print one line to stdout (the supervisor's log)."""
    print(f"[desktop] {message}", flush=True)


def _on_signal(signum: int, _frame: Any) -> None:
    raise Terminated(signum)


def read_display(fd: int, xvnc: subprocess.Popen[bytes], timeout: float) -> int:
    """Read the display number Xvnc writes to its ``-displayfd`` pipe."""
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RuntimeError(f"Xvnc did not report a display number within {timeout:g} s")
        ready, _, _ = select.select([fd], [], [], min(remaining, 0.2))
        if ready:
            chunk = os.read(fd, 64)
            if not chunk:
                break
            data += chunk
        elif xvnc.poll() is not None:
            raise RuntimeError(f"Xvnc exited with code {xvnc.returncode} before it was ready")
    display = parse_display(data.decode("ascii", "replace"))
    if display is None:
        code = xvnc.poll()
        raise RuntimeError(
            f"Xvnc exited with code {code} before it was ready" if code is not None
            else f"Xvnc reported no display number ({data!r})"
        )
    return display


def write_state(path: str, state: dict[str, Any]) -> None:
    """Publish the running desktop's facts atomically (0600)."""
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
    os.replace(tmp, path)


def quiet_screensaver(env: dict[str, str], xfce: bool) -> None:
    """Turn off X screen blanking and DPMS (and XFCE's screensaver) for this display."""
    commands = []
    if shutil.which("xset"):
        commands.append(["xset", "s", "off", "-dpms", "s", "noblank"])
    if xfce and shutil.which("xfconf-query"):
        for channel, prop in (
            ("xfce4-screensaver", "/saver/enabled"),
            ("xfce4-screensaver", "/lock/enabled"),
            ("xfce4-power-manager", "/xfce4-power-manager/dpms-enabled"),
        ):
            commands.append(
                ["xfconf-query", "-c", channel, "-p", prop, "-n", "-t", "bool", "-s", "false"]
            )
    for argv in commands:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.STDOUT, timeout=5, check=False)


def publish_socket(private: str, public: str, xvnc: subprocess.Popen[bytes],
                   timeout: float = 10.0) -> None:
    """Move Xvnc's RFB socket to the path the supervisor probes (once it exists)."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(private):
        if xvnc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Xvnc did not create its socket {private}")
        time.sleep(0.01)
    os.replace(private, public)


def stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM our process group (except us), then SIGKILL what is left after the grace."""
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(os.getpgrp(), signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline:
            if all(child.poll() is not None for child in children) and not _group_members():
                break
            time.sleep(0.05)
        for pid in _group_members():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=1.0)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _group_members() -> list[int]:
    """Live processes of our process group other than ourselves (zombies reaped first)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    me, group = os.getpid(), os.getpgrp()
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != b"Z":
            members.append(int(entry))
    return members


def exit_code(returncode: int) -> int:
    """A Popen return code as a shell-style exit status (signal N → 128+N)."""
    return 128 - returncode if returncode < 0 else returncode


def run(spec: dict[str, Any]) -> int:
    """Run the desktop described by ``spec``; returns the exit status."""
    if os.getpgrp() != os.getpid():
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)  # our own group, so stopping children never hits our parent
    for path in remove_stale_displays():
        log(f"removed stale {path} (its X server is gone)")
    xauthority = spec["xauthority"]
    write_xauthority(xauthority)
    read_fd, write_fd = os.pipe()
    xvnc_argv = [*spec["xvnc_argv"], "-displayfd", str(write_fd), "-auth", xauthority]
    log("starting " + " ".join(xvnc_argv))
    xvnc = subprocess.Popen(
        xvnc_argv, pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    os.close(write_fd)
    children: list[subprocess.Popen[bytes]] = [xvnc]
    display: int | None = None
    try:
        display = read_display(read_fd, xvnc, float(spec.get("display_timeout", 30)))
        os.close(read_fd)
        log(f"Xvnc (pid {xvnc.pid}) is on display :{display}")
        if not claim_lock(display, xvnc.pid):
            log(f"warning: {lock_path(display)} already exists; left as it is")
        env = {**os.environ, **spec.get("session_env", {})}
        env.update({"DISPLAY": f":{display}", "XAUTHORITY": xauthority})
        env.pop("WAYLAND_DISPLAY", None)
        session_argv = spec["session_argv"]
        if spec.get("disable_screensaver", True):
            quiet_screensaver(env, xfce=False)
        log("starting session: " + " ".join(session_argv))
        session = subprocess.Popen(
            session_argv, env=env, cwd=spec.get("cwd") or None,
            stdin=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        children.append(session)
        write_state(spec["state_file"], {
            "display": f":{display}",
            "xvnc_pid": xvnc.pid,
            "session_pid": session.pid,
            "launcher_pid": os.getpid(),
            "xauthority": xauthority,
            "started_at": time.time(),
        })
        if spec.get("rfb_socket") and spec.get("socket"):
            publish_socket(spec["rfb_socket"], spec["socket"], xvnc)
        if spec.get("disable_screensaver", True) and any(
            "xfce" in os.path.basename(part) for part in session_argv
        ):
            _later(lambda: quiet_screensaver(env, xfce=True), delay=3.0)
        return _wait(xvnc, session, display, children)
    except Terminated as stop:
        log(f"stopping (signal {stop.signum})")
        stop_children(children)
        return 128 + stop.signum
    except (RuntimeError, OSError) as err:
        log(f"error: {err}")
        stop_children(children)
        return 1
    finally:
        if display is not None and xvnc.poll() is not None:
            remove_stale_display(display)
        with contextlib.suppress(OSError):
            os.unlink(spec["state_file"])


def _wait(xvnc: subprocess.Popen[bytes], session: subprocess.Popen[bytes], display: int,
          children: list[subprocess.Popen[bytes]]) -> int:
    """Wait until Xvnc or the session exits, then stop the other."""
    while True:
        pid, status = os.waitpid(-1, 0)
        code = os.waitstatus_to_exitcode(status)
        if pid == xvnc.pid:
            xvnc.returncode = code
            how = f"signal {-code}" if code < 0 else f"code {code}"
            log(f"Xvnc exited ({how}); stopping the session")
            stop_children(children)
            for path in remove_stale_display(display):
                log(f"removed stale {path}")
            return 0 if code == 0 else 1
        if pid == session.pid:
            session.returncode = code
            log(f"session exited with code {exit_code(code)} (logout); stopping Xvnc")
            stop_children(children)
            return exit_code(code)


def _later(action: Any, delay: float) -> None:
    """Run ``action`` in a forked child after ``delay`` seconds (no threads in the launcher)."""
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            time.sleep(delay)
            action()
        finally:
            os._exit(0)


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m jupyter_workbench.desktop.launch SPEC.json``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m jupyter_workbench.desktop.launch SPEC.json", file=sys.stderr)
        return 2
    os.dup2(1, 2)  # Xvnc, the session and we all log to stdout
    with open(args[0], encoding="utf-8") as handle:
        spec = json.load(handle)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    return run(spec)


if __name__ == "__main__":
    sys.exit(main())
