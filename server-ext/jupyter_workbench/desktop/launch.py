"""The desktop process the supervisor runs: Xvnc, then the session, in one process group.

Usage (as :class:`~jupyter_workbench.desktop.backend.DesktopBackend` runs it)::

    python -S path/to/launch.py - -- Xvnc -rfbunixpath P … -auth XAUTHORITY

``-S`` and running the file as a script (no package import) keep Python's start short,
and Xvnc is spawned before anything else is imported or read: its own start-up (≈150 ms)
then overlaps with ours. ``python -m jupyter_workbench.desktop.launch`` works as well.

The Xvnc command line comes after ``--`` (the launcher adds ``-displayfd``; the file after
``-auth`` gets a fresh MIT cookie first). The spec comes on standard input (``-``; the
supervisor writes it once the backend has chosen the rendering mode, which it does while
Xvnc starts) or from a file ``SPEC.json``; it holds:

``rfb_socket``     Xvnc's ``-rfbunixpath``; ``socket`` the path it is published at
``session_argv``   the session command (already wrapped in ``vglrun +wm`` in GPU modes)
``session_env``    extra environment for the session (VGL_*, WORKBENCH_*)
``state_file``     where to publish ``{display, xvnc_pid, session_pid, …}`` as JSON
``display_timeout`` seconds Xvnc has to report its display number
``disable_screensaver`` run ``xset s off -dpms`` (and XFCE's xfconf switches) when true
``cwd``            the session's working directory
``notes``          lines to log first (how the desktop renders: the 3D X server, why a
                   requested mode is not used), so the desktop's log in the UI says it
``xauth_displays`` ``[[N, hex cookie], …]``: other X servers the session may open (the
                   ``xorg`` mode's 3D X server), added to the desktop's Xauthority
``xauthority``     the desktop's Xauthority file, when the backend wrote it (with the
                   ``xauth_displays``) before spawning Xvnc

Steps: write the cookie; spawn Xvnc with ``-displayfd`` on a pipe; read the spec; remove
stale X locks/sockets whose owner is dead; read the display number Xvnc chose and lock it;
start the session with ``DISPLAY`` set; publish the state file, then move Xvnc's socket
to the path the supervisor probes (so "ready" implies the display number and the
session's PID are known); then the screensaver switches, off the critical path; then
wait. Each step is logged ``+N ms`` from the start request
(``WORKBENCH_START_EPOCH``).

* The session exits (logout): Xvnc is stopped and this process exits with the session's
  code (0 → the supervisor marks the desktop stopped; the next open starts a new one).
* Xvnc dies: the session is stopped, Xvnc's stale lock is removed and this process exits
  non-zero (the supervisor marks it failed and restarts it).
* SIGTERM/SIGINT/SIGHUP: both are stopped.

All output (ours, Xvnc's, the session's) goes to stdout, which the supervisor logs.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

TYPE_CHECKING = False  # no typing import: it would cost ~10 ms before Xvnc is spawned
if TYPE_CHECKING:
    from typing import Any  # Any: the launch spec's JSON values

if __package__:
    from . import xutil
else:  # run as a script: no package import (see the module docstring)
    import xutil  # type: ignore[import-not-found,no-redef]

#: Seconds given to children between SIGTERM and SIGKILL.
STOP_GRACE = 3.0
#: When the session exits, how long to watch whether Xvnc is dying too (a crash, not a
#: logout): a killed Xvnc drops its clients before the kernel lets us reap it.
XVNC_EXIT_WINDOW = 0.5


class Terminated(Exception):
    """Raised from the signal handler to leave the wait loop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class Child:
    """A spawned child process (``os.posix_spawn``; no subprocess import on the fast path)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code once the child has exited (``-N`` for signal N), else ``None``."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = 0 if self.returncode is None else self.returncode
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float) -> int | None:
        """Poll until the child exits or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.returncode


def spawn(
    argv: list[str],
    env: dict[str, str] | None = None,
    keep_fd: int | None = None,
    cwd: str | None = None,
) -> Child:
    """Start ``argv`` in our process group, stdin from /dev/null, output to our stdout."""
    actions: list[tuple[Any, ...]] = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    if keep_fd is not None:
        os.set_inheritable(keep_fd, True)
    if cwd:
        if not os.path.isdir(cwd):
            cwd = None
    if cwd:  # posix_spawn has no cwd: run through a tiny shell (the session only)
        argv = ["/bin/sh", "-c", 'cd "$0" && exec "$@"', cwd, *argv]
    pid = os.posix_spawnp(argv[0], argv, os.environ if env is None else env, file_actions=actions)
    return Child(pid)


#: When the start was requested (``WORKBENCH_START_EPOCH``, set by the supervisor), so
#: that our steps are stamped on the supervisor's timeline.
_EPOCH: float | None = None


def log(message: str) -> None:
    """Print one line to stdout (the supervisor's log), stamped ``+N ms`` into the start."""
    if _EPOCH is not None:
        print(f"[desktop] +{(time.time() - _EPOCH) * 1000.0:.0f} ms {message}", flush=True)
    else:
        print(f"[desktop] {message}", flush=True)


def _end_timeline() -> None:
    """Stop stamping: the start is over (later lines are not part of its timeline)."""
    global _EPOCH
    _EPOCH = None


def read_spec(spec_path: str) -> dict[str, Any]:
    """The launch spec: the file ``spec_path``, or standard input (until EOF) for ``-``.

    The supervisor writes it to our stdin once the backend's preparation (the rendering
    mode probes) is done, which runs while Xvnc starts.
    """
    import json

    if spec_path == "-":
        data = b""
        while True:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            data += chunk
        spec = json.loads(data.decode("utf-8"))
    else:
        with open(spec_path, encoding="utf-8") as handle:
            spec = json.load(handle)
    if not isinstance(spec, dict):
        raise ValueError("the launch spec is not a JSON object")
    return spec


def _on_signal(signum: int, _frame: Any) -> None:
    raise Terminated(signum)


def read_display(fd: int, xvnc: Child, timeout: float) -> int:
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
    display = xutil.parse_display(data.decode("ascii", "replace"))
    if display is None:
        code = xvnc.wait(1.0)
        raise RuntimeError(
            f"Xvnc exited with code {code} before it was ready"
            if code is not None
            else f"Xvnc reported no display number ({data!r})"
        )
    return display


def write_state(path: str, state: dict[str, Any]) -> None:
    """Publish the running desktop's facts atomically (0600)."""
    import json

    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
    os.replace(tmp, path)


def quiet_screensaver(env: dict[str, str], xfce: bool) -> list[Child]:
    """Turn off X blanking and DPMS (and XFCE's screensaver/locker); returns the helpers."""
    import shutil

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
    children = []
    for argv in commands:
        try:
            children.append(spawn(argv, env))
        except OSError:
            continue
    return children


def publish_socket(private: str, public: str, xvnc: Child, timeout: float = 10.0) -> None:
    """Move Xvnc's RFB socket to the path the supervisor probes (once it exists)."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(private):
        if xvnc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Xvnc did not create its socket {private}")
        time.sleep(0.01)
    os.replace(private, public)


def stop_children(children: list[Child]) -> None:
    """SIGTERM our process group (except us), then SIGKILL what is left after the grace."""
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        try:
            os.killpg(os.getpgrp(), signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline:
            if all(child.poll() is not None for child in children) and not _group_members():
                break
            time.sleep(0.05)
        for pid in _group_members():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for child in children:
            child.wait(1.0)
        _stop_escaped()
    finally:
        signal.signal(signal.SIGTERM, previous)


#: ``SESSION_MARK=<token>`` in the environment of everything the session starts. Daemons
#: that leave our process group (XFCE's ssh-agent and gpg-agent double-fork into their
#: own session) keep it, so stopping the desktop finds and stops them too.
SESSION_MARK = "WORKBENCH_DESKTOP_SESSION"
_mark: bytes | None = None


def session_mark() -> str:
    """This desktop's token for :data:`SESSION_MARK` (made on first use)."""
    global _mark
    if _mark is None:
        _mark = f"{SESSION_MARK}={os.getpid()}.{os.urandom(6).hex()}".encode()
    return _mark.decode().split("=", 1)[1]


def _escaped() -> list[int]:
    """Our user's live processes outside our group that carry this desktop's mark."""
    if _mark is None:
        return []
    uid = os.getuid()
    found = []
    for pid in _other_pids():
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            with open(f"/proc/{pid}/environ", "rb") as handle:
                environ = handle.read().split(b"\0")
        except OSError:
            continue
        if _mark in environ:
            found.append(pid)
    return found


def _stop_escaped() -> None:
    """SIGTERM, then SIGKILL, the session's processes that left our process group."""
    pids = _escaped()
    if not pids:
        return
    log("stopping what the session left outside its group: pids " + " ".join(map(str, pids)))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + (STOP_GRACE if sig == signal.SIGTERM else 1.0)
        while pids and time.monotonic() < deadline:
            time.sleep(0.05)
            pids = [pid for pid in pids if _alive(pid)]
        if not pids:
            return


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def _group_members() -> list[int]:
    """Live processes of our process group other than ourselves (zombies reaped first)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
    group = os.getpgrp()
    members = []
    for pid in _other_pids():
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != b"Z":
            members.append(pid)
    return members


def _other_pids() -> list[int]:
    """Every process ID in /proc but ours."""
    me = os.getpid()
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit() and int(entry) != me]


def exit_code(returncode: int) -> int:
    """A return code as a shell-style exit status (signal N → 128+N)."""
    return 128 - returncode if returncode < 0 else returncode


def run(spec_path: str, xvnc_argv: list[str]) -> int:
    """Spawn Xvnc from ``xvnc_argv`` (with ``-displayfd``), then :func:`serve` the desktop.

    The file after ``-auth`` gets a fresh MIT cookie first (and the spec's
    ``xauth_displays``, once read).
    """
    _own_group()
    xauthority = cookie = None
    if "-auth" in xvnc_argv[:-1]:
        xauthority = xvnc_argv[xvnc_argv.index("-auth") + 1]
        cookie = xutil.write_xauthority(xauthority)
    read_fd, write_fd = os.pipe()
    argv = [*xvnc_argv, "-displayfd", str(write_fd)]
    log("starting " + " ".join(argv))
    xvnc = spawn(argv, keep_fd=write_fd)
    os.close(write_fd)
    return serve(spec_path, xvnc, read_fd, xauthority, cookie)


def _own_group() -> None:
    if os.getpgrp() != os.getpid():
        try:
            os.setpgid(0, 0)  # our own group, so stopping children never hits our parent
        except OSError:
            pass


def serve(
    spec_path: str,
    xvnc: Child,
    read_fd: int,
    xauthority: str | None = None,
    cookie: bytes | None = None,
) -> int:
    """Run the desktop around a started Xvnc that reports its display on ``read_fd``.

    ``cookie`` is the wildcard cookie we wrote to ``xauthority`` (the spec's
    ``xauth_displays`` are then added); without it the spec's ``xauthority`` file was
    written, complete, by the backend before Xvnc was spawned.
    """
    children: list[Child] = [xvnc]
    display: int | None = None
    spec: dict[str, Any] = {}
    try:
        spec = read_spec(spec_path)  # while Xvnc starts
        log("launch spec read")
        xauthority = xauthority or spec.get("xauthority")
        if xauthority and cookie and spec.get("xauth_displays"):
            others = [(int(n), bytes.fromhex(c)) for n, c in spec["xauth_displays"]]
            xutil.write_xauthority(xauthority, cookie, others)
        for path in xutil.remove_stale_displays():
            log(f"removed stale {path} (its X server is gone)")
        display = read_display(read_fd, xvnc, float(spec.get("display_timeout", 30)))
        os.close(read_fd)
        log(f"Xvnc (pid {xvnc.pid}) is on display :{display}")
        if not xutil.claim_lock(display, xvnc.pid):
            log(f"warning: {xutil.lock_path(display)} already exists; left as it is")
        env = {**os.environ, **spec.get("session_env", {})}
        env.pop("WORKBENCH_START_EPOCH", None)
        env[SESSION_MARK] = session_mark()
        env["DISPLAY"] = f":{display}"
        if xauthority:
            env["XAUTHORITY"] = xauthority
        env.pop("WAYLAND_DISPLAY", None)
        for note in spec.get("notes", []):
            log(str(note))
        session_argv = spec["session_argv"]
        log("starting session: " + " ".join(session_argv))
        session = spawn(session_argv, env, cwd=spec.get("cwd"))
        children.append(session)
        write_state(
            spec["state_file"],
            {
                "display": f":{display}",
                "xvnc_pid": xvnc.pid,
                "session_pid": session.pid,
                "launcher_pid": os.getpid(),
                "xauthority": xauthority,
                "started_at": time.time(),
            },
        )
        if spec.get("rfb_socket") and spec.get("socket"):
            publish_socket(spec["rfb_socket"], spec["socket"], xvnc)
            log("socket published")  # the supervisor probes on our output: ready now
        _end_timeline()
        # Off the critical path: after the socket is published.
        if spec.get("disable_screensaver", True):
            xfce = any("xfce" in os.path.basename(part) for part in session_argv)
            children.extend(quiet_screensaver(env, xfce=False))
            if xfce:
                _later(lambda: quiet_screensaver(env, xfce=True), delay=3.0)
        return _wait(xvnc, session, display, children)
    except Terminated as stop:
        log(f"stopping (signal {stop.signum})")
        stop_children(children)
        return 128 + stop.signum
    except (RuntimeError, OSError, ValueError, KeyError) as err:
        log(f"error: {err}")
        stop_children(children)
        return 1
    finally:
        if display is not None and xvnc.poll() is not None:
            xutil.remove_stale_display(display)
        if spec.get("state_file"):
            try:
                os.unlink(spec["state_file"])
            except OSError:
                pass


def _wait(xvnc: Child, session: Child, display: int, children: list[Child]) -> int:
    """Wait until Xvnc or the session exits, then stop the other."""
    while True:
        pid, status = os.waitpid(-1, 0)
        code = os.waitstatus_to_exitcode(status)
        if pid == session.pid:
            session.returncode = code
            # A session dies with its X server: if Xvnc is gone too, that is the cause.
            # (A killed Xvnc closes its sockets before it is reapable: give it a moment.)
            xvnc_pid, xvnc_status = _reap_within(xvnc.pid, XVNC_EXIT_WINDOW)
            if not xvnc_pid:
                log(f"session exited with code {exit_code(code)} (logout); stopping Xvnc")
                stop_children(children)
                return exit_code(code)
            log(f"session exited with code {exit_code(code)} after its X server")
            pid, code = xvnc_pid, os.waitstatus_to_exitcode(xvnc_status)
        if pid == xvnc.pid:
            xvnc.returncode = code
            how = f"signal {-code}" if code < 0 else f"code {code}"
            log(f"Xvnc exited ({how}); stopping the session")
            stop_children(children)
            for path in xutil.remove_stale_display(display):
                log(f"removed stale {path}")
            return 0 if code == 0 else 1


def _reap_within(pid: int, seconds: float) -> tuple[int, int]:
    """``waitpid(pid)`` if it exits within ``seconds``, else ``(0, 0)``."""
    deadline = time.monotonic() + seconds
    while True:
        found = os.waitpid(pid, os.WNOHANG)
        if found[0] or time.monotonic() >= deadline:
            return found
        time.sleep(0.01)


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


USAGE = """usage: launch.py SPEC -- Xvnc [options]
       launch.py --xvnc-pid PID --display-fd FD [--close-fd FD] SPEC
SPEC: a JSON file, or - for standard input"""


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``launch.py SPEC -- XVNC [ARGS…]`` (we spawn Xvnc), or
    ``launch.py --xvnc-pid PID --display-fd FD [--close-fd FD] SPEC`` (Xvnc was spawned
    just before us by the shell that exec'd us, so it is our child: see
    :meth:`jupyter_workbench.desktop.backend.DesktopBackend.launch_plan`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    options: dict[str, int] = {}
    try:
        while args and args[0] in {"--xvnc-pid", "--display-fd", "--close-fd"}:
            options[args[0]] = int(args[1])
            del args[:2]
    except (IndexError, ValueError):
        print(USAGE, file=sys.stderr)
        return 2
    prespawned = "--xvnc-pid" in options and "--display-fd" in options
    if not (len(args) == 1 and prespawned) and not (
        len(args) >= 3 and args[1] == "--" and not options
    ):
        print(USAGE, file=sys.stderr)
        return 2
    global _EPOCH
    try:
        _EPOCH = float(os.environ["WORKBENCH_START_EPOCH"])
    except (KeyError, ValueError):
        _EPOCH = None
    os.dup2(1, 2)  # Xvnc, the session and we all log to stdout
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    if not prespawned:
        return run(args[0], args[2:])
    _own_group()
    if "--close-fd" in options:  # Xvnc's end of the display pipe: EOF when it dies
        try:
            os.close(options["--close-fd"])
        except OSError:
            pass
    log(f"Xvnc spawned (pid {options['--xvnc-pid']})")
    return serve(args[0], Child(options["--xvnc-pid"]), options["--display-fd"])


if __name__ == "__main__":
    sys.exit(main())
