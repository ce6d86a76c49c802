"""Our own asyncio process supervisor for backends.

States::

    stopped ──start──▶ starting ──ready──▶ running ──crash──▶ failed ──backoff──▶ starting
       ▲                  │                   │ exit 0                 │
       │                  └──timeout/exit──▶ failed                    │
       └────────── stop (TERM, grace, KILL to the process group) ◀──────┘

* A backend is *running* only once its readiness probe passes.
* A crash of a running backend (non-zero exit or signal) restarts it after a capped
  exponential backoff, at most ``max_restarts`` times in a row; a run that stayed up
  for :data:`STABLE_AFTER` seconds resets the count.
* A clean exit (code 0, e.g. logging out of a desktop) leaves it *stopped*: the next
  open starts it again.
* The last :data:`LOG_LINES` lines of output are kept per backend. Each start logs its
  timeline (``[workbench] +N ms <step>``, from the start request), and hands the program
  ``WORKBENCH_START_EPOCH`` so that a launcher can stamp its own steps on the same clock.
* Readiness is probed when the program writes output (a server announcing its socket)
  and otherwise every ``interval`` seconds of its probe.
* Stopping sends SIGTERM to the whole process group, SIGKILL after the grace period,
  and removes the backend's socket directory.
* A program that can only listen on a loopback port (an allowed fallback, see
  :mod:`jupyter_workbench.core.loopback`) is bridged from its unix socket once the port's
  listener is verified to be the program's own; a port lost to another process is
  never used: the start is retried on a fresh port, at most :data:`PORT_ATTEMPTS` times.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import enum
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from typing import Any  # Any: status is a JSON-like dict; add() passes options through

from .backend import Backend, BackendError, LaunchContext, LaunchPlan
from .loopback import PortOwner, UnixToLoopbackBridge, port_owner
from .proctable import live_group_members

#: Log lines kept per backend.
LOG_LINES = 500
#: Longest log line kept (longer lines are cut).
MAX_LINE = 4000
#: First restart delay after a crash, doubled each time up to :data:`BACKOFF_CAP`.
BACKOFF_BASE = 1.0
#: Longest restart delay.
BACKOFF_CAP = 30.0
#: Seconds of uptime after which a crash no longer counts as "in a row".
STABLE_AFTER = 60.0
#: Starts tried on fresh loopback ports when another process took the port first.
PORT_ATTEMPTS = 3
#: Environment variable holding the start request's time (seconds since the epoch).
START_EPOCH_ENV = "WORKBENCH_START_EPOCH"
#: Bytes a pipe takes without blocking the writer (Linux's default pipe capacity).
PIPE_BUFFER = 65536


class State(str, enum.Enum):
    """Lifecycle states reported to the UI."""

    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"
    STOPPING = "stopping"


def backoff_delay(attempt: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Delay before automatic restart number ``attempt`` (1-based): base·2^(n-1), capped."""
    return min(cap, base * (2.0 ** max(0, attempt - 1)))


class ManagedProcess:
    """One backend's process and its lifecycle."""

    def __init__(
        self,
        backend: Backend,
        ctx: LaunchContext,
        log: logging.Logger | None = None,
        *,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
    ) -> None:
        self.backend = backend
        self.ctx = ctx
        self.log = log or logging.getLogger(__name__)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.state: State = State.STOPPED
        self.proc: subprocess.Popen[bytes] | None = None
        self._exited: asyncio.Future[int] | None = None
        self.restarts = 0
        self.crashes_in_a_row = 0
        self.last_exit_code: int | None = None
        self.started_at: float | None = None
        self.ready_at: float | None = None
        self.error: str | None = None
        self.next_restart_at: float | None = None
        self.logs: collections.deque[str] = collections.deque(maxlen=LOG_LINES)
        self.changed = asyncio.Event()
        self._start_task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._restart_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._stopping = False
        self.loopback_port: int | None = None
        self._bridge: UnixToLoopbackBridge | None = None
        self._port_taken = False
        self._t0: float | None = None
        self._prepare_task: asyncio.Task[None] | None = None
        self._output = asyncio.Event()

    # ------------------------------------------------------------------ public API
    @property
    def pid(self) -> int | None:
        """PID of the backend's main process while it is alive."""
        if self.proc is None or self._exited is None or self._exited.done():
            return None
        return self.proc.pid

    def serving(self) -> bool:
        """Whether the backend can take a connection now: running, alive and its socket there.

        Stricter than ``state == RUNNING``: between a crash (e.g. ``kill -9``) and the moment
        the exit watcher has reaped the process group, the state still says running while the
        process and often its socket are gone.
        """
        return (
            self.state == State.RUNNING
            and self.proc is not None
            and self.proc.poll() is None
            and os.path.exists(self.ctx.socket_path)
        )

    def crashed_unreaped(self) -> bool:
        """Whether the state says running but the main process has already exited."""
        return self.state == State.RUNNING and (self.proc is None or self.proc.poll() is not None)

    async def wait_reaped(self, timeout: float) -> bool:
        """Wait at most ``timeout`` s for a crashed backend to leave *running*; whether it did."""
        try:
            await asyncio.wait_for(
                self._wait_for({State.STOPPED, State.STARTING, State.FAILED, State.STOPPING}),
                timeout,
            )
        except asyncio.TimeoutError:
            return False
        return True

    async def start(self) -> State:
        """Start (if needed) and wait until the backend is running or has failed."""
        if self.state == State.RUNNING:
            return self.state
        if self.state == State.STOPPING and self._start_task is None:
            await self._wait_for({State.STOPPED, State.FAILED})
        if self._restart_task and not self._restart_task.done():
            self._restart_task.cancel()
            self.next_restart_at = None
        if self._start_task is None or self._start_task.done():
            self._start_task = asyncio.ensure_future(self._start())
        await asyncio.shield(self._start_task)
        return self.state

    async def stop(self) -> State:
        """Stop the backend: TERM, grace period, KILL to its process group; remove its socket."""
        self._stopping = True
        try:
            if self._restart_task and not self._restart_task.done():
                self._restart_task.cancel()
            self.next_restart_at = None
            if self._start_task and not self._start_task.done():
                self._start_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._start_task
            if self._prepare_task and not self._prepare_task.done():
                self._prepare_task.cancel()
            async with self._lock:
                if self.pid is not None:
                    self._set_state(State.STOPPING)
                    await self._terminate_group()
                await self._cleanup()
                self._set_state(State.STOPPED)
                self.error = None
        finally:
            self._stopping = False
        return self.state

    async def restart(self) -> State:
        """Stop, then start again; the restart counter is kept."""
        await self.stop()
        self.restarts += 1
        return await self.start()

    def status(self, log_tail: int = 20) -> dict[str, Any]:
        """JSON status for the REST API."""
        now = time.time()
        return {
            "state": self.state.value,
            "pid": self.pid,
            "restarts": self.restarts,
            "last_exit_code": self.last_exit_code,
            "started_at": self.started_at,
            "ready_at": self.ready_at,
            "uptime": (now - self.ready_at)
            if self.state == State.RUNNING and self.ready_at
            else None,
            "elapsed": (now - self.started_at)
            if self.state == State.STARTING and self.started_at
            else None,
            "timeout": self.backend.readiness().timeout,
            "error": self.error,
            "next_restart_in": max(0.0, self.next_restart_at - now)
            if self.next_restart_at
            else None,
            "log_tail": list(self.logs)[-log_tail:] if log_tail else [],
            "loopback_port": self.loopback_port,
        }

    # ------------------------------------------------------------------ internals
    def _set_state(self, state: State) -> None:
        if state != self.state:
            self.log.info(
                "[workbench] %s: %s → %s", self.backend.name, self.state.value, state.value
            )
        self.state = state
        self.changed.set()
        self.changed = asyncio.Event()

    async def _wait_for(self, states: set[State]) -> None:
        while self.state not in states:
            await self.changed.wait()

    def _append_log(self, line: str) -> None:
        if len(line) > MAX_LINE:
            line = line[:MAX_LINE] + " …[cut]"
        self.logs.append(line)

    def _mark(self, step: str) -> None:
        """Log ``step`` on this start's timeline (milliseconds since the start request)."""
        if self._t0 is not None:
            elapsed = (time.monotonic() - self._t0) * 1000.0
            self._append_log(f"[workbench] +{elapsed:.0f} ms {step}")

    async def _start(self) -> None:
        async with self._lock:
            if self.state == State.RUNNING:
                return
            self.error = None
            self.last_exit_code = None
            self._set_state(State.STARTING)
            self._t0 = time.monotonic()
            self.started_at = time.time()
            self.ready_at = None
            for attempt in range(1, PORT_ATTEMPTS + 1):
                try:
                    plan = await self.backend.launch_plan(self.ctx)
                    self._mark("launch plan ready")
                    await self._spawn(plan)
                    self._mark(f"spawned (pid {self.proc.pid if self.proc else '?'})")
                except BackendError as err:
                    self.error = str(err) + (f" — {err.hint}" if err.hint else "")
                    self._append_log(f"[workbench] {self.error}")
                    self._set_state(State.FAILED)
                    return
                except OSError as err:
                    self.error = f"could not start {self.backend.name}: {err.strerror or err}"
                    self._append_log(f"[workbench] {self.error}")
                    self._set_state(State.FAILED)
                    return
                ready = await self._wait_ready()
                if ready:
                    self._secure_socket()
                    self.ready_at = time.time()
                    self._mark("ready")
                    self._set_state(State.RUNNING)
                    return
                if self._prepare_task is not None and not self._prepare_task.done():
                    self._prepare_task.cancel()
                await self._terminate_group()
                await self._cleanup(remove_dir=False)
                self._append_log(f"[workbench] {self.error}")
                if not self._port_taken or attempt == PORT_ATTEMPTS:
                    break
                self._append_log("[workbench] trying again on another loopback port")
            self._set_state(State.FAILED)

    def _prepare_socket_dir(self) -> None:
        os.makedirs(self.ctx.socket_dir, mode=0o700, exist_ok=True)
        os.chmod(self.ctx.socket_dir, 0o700)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.ctx.socket_path)

    def _secure_socket(self) -> None:
        """Make sure the socket is 0600 even if the program ignored the requested mode."""
        with contextlib.suppress(OSError):
            if os.path.exists(self.ctx.socket_path):
                os.chmod(self.ctx.socket_path, 0o600)

    async def _spawn(self, plan: LaunchPlan) -> None:
        env = dict(os.environ)
        env.update(plan.env)
        env[START_EPOCH_ENV] = f"{self.started_at or time.time():.6f}"
        self._port_taken = False
        self.loopback_port = None
        if plan.loopback_port is not None:
            self.loopback_port = plan.loopback_port.getsockname()[1]
            plan.loopback_port.close()
            self._append_log(
                f"[workbench] {self.backend.name} cannot listen on a unix socket: it listens on "
                f"127.0.0.1:{self.loopback_port} (reachable by other users of this machine), "
                "bridged from its unix socket"
            )
        self._append_log(f"[workbench] starting: {' '.join(plan.argv)}")
        # Popen rather than asyncio's subprocess: asyncio's wait() also waits for the output
        # pipe to close, which a session's grandchildren may keep open long after the
        # backend itself has died. Exit is watched through a pidfd instead.
        try:
            self._prepare_socket_dir()
            self.proc = subprocess.Popen(
                plan.argv,
                stdin=subprocess.PIPE if plan.prepare is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=plan.cwd or None,
                env=env,
                start_new_session=True,
                pass_fds=plan.pass_fds,
            )
        finally:
            for fd in plan.pass_fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._exited = _watch_exit(self.proc)
        reader = asyncio.StreamReader(limit=1 << 20)
        loop = asyncio.get_running_loop()
        assert self.proc.stdout is not None
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self.proc.stdout)
        self._reader_task = asyncio.ensure_future(self._read_output(reader))
        self._watch_task = asyncio.ensure_future(self._watch(self.proc, self._exited))
        self._prepare_task = None
        if plan.prepare is not None:
            self._prepare_task = asyncio.ensure_future(self._prepare(plan.prepare, self.proc))

    async def _prepare(
        self, prepare: Callable[[], Awaitable[bytes]], proc: subprocess.Popen[bytes]
    ) -> None:
        """Run the plan's ``prepare`` while the program starts; hand its result to stdin."""
        data = await prepare()
        self._mark("prepared")
        assert proc.stdin is not None
        stdin = proc.stdin
        try:
            if len(data) <= PIPE_BUFFER:  # the pipe takes it at once
                stdin.write(data)
                stdin.flush()
            else:
                await asyncio.to_thread(stdin.write, data)
        except BrokenPipeError:
            pass  # it exited: the readiness wait reports why
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    async def _read_output(self, stream: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # a line longer than the stream limit
                line = await stream.read(1 << 16)
            except (asyncio.CancelledError, ConnectionError):
                return
            if not line:
                return
            self._append_log(line.decode("utf-8", "replace").rstrip("\r\n"))
            self._output.set()

    async def _wait_ready(self) -> bool:
        probe = self.backend.readiness()
        deadline = time.monotonic() + probe.timeout
        assert self.proc is not None
        proc = self.proc
        prepare = self._prepare_task
        probes = 0
        while True:
            if prepare is not None and prepare.done():
                if prepare.cancelled() or prepare.exception() is not None:
                    err = None if prepare.cancelled() else prepare.exception()
                    if isinstance(err, BackendError):
                        self.error = str(err) + (f" — {err.hint}" if err.hint else "")
                    else:
                        self.error = f"could not prepare {self.backend.name}: {err!r}"
                        if err is not None:
                            self.log.error(
                                "[workbench] %s: preparation failed",
                                self.backend.name,
                                exc_info=err,
                            )
                    return False
                prepare = None
            if proc.poll() is not None:
                await self._drain_reader()
                self.last_exit_code = proc.returncode
                self.error = (
                    f"{self.backend.name} exited with code {proc.returncode} before it was ready"
                )
                if (
                    self.loopback_port
                    and port_owner(self.loopback_port, proc.pid) is PortOwner.FOREIGN
                ):
                    self._port_taken = True
                    self.error += f" (port {self.loopback_port} was taken by another process)"
                return False
            if self.loopback_port and self._bridge is None:
                owner = port_owner(self.loopback_port, proc.pid)
                if owner is PortOwner.FOREIGN:
                    self._port_taken = True
                    self.error = (
                        f"port {self.loopback_port} was taken by another process; "
                        f"{self.backend.name}'s traffic is never sent there"
                    )
                    return False
                if owner is PortOwner.OURS:
                    self._bridge = UnixToLoopbackBridge(self.ctx.socket_path, self.loopback_port)
                    await self._bridge.start()
            if (
                prepare is None
                and os.path.exists(self.ctx.socket_path)
                and await probe.check(self.ctx.socket_path)
            ):
                self._mark(f"readiness probe passed (probe {probes + 1})")
                return True
            probes += 1
            if time.monotonic() >= deadline:
                self.error = f"{self.backend.name} did not become ready within {probe.timeout:g} s"
                return False
            await self._wake(probe.interval, prepare)

    async def _wake(self, interval: float, prepare: asyncio.Task[None] | None) -> None:
        """Sleep until the next probe: ``interval`` s, or sooner when the program writes
        output or the preparation finishes."""
        self._output.clear()
        # Any: the waiters' results differ (Event.wait's True, the preparation's None)
        # and are not read.
        waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._output.wait())]
        if prepare is not None:
            waiters.append(prepare)
        await asyncio.wait(waiters, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
        waiters[0].cancel()

    async def _drain_reader(self) -> None:
        if self._reader_task:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._reader_task), 1.0)

    async def _watch(self, proc: subprocess.Popen[bytes], exited: asyncio.Future[int]) -> None:
        code = await exited
        if proc is not self.proc or self._stopping or self.state != State.RUNNING:
            return
        self.last_exit_code = code
        uptime = time.time() - (self.ready_at or time.time())
        # Leftover children of the group (e.g. a session's helpers) go with it.
        await self._terminate_group(already_exited=True)
        await self._drain_reader()
        if code == 0:
            self._append_log(f"[workbench] {self.backend.name} exited cleanly")
            await self._cleanup()
            self._set_state(State.STOPPED)
            return
        how = f"signal {-code}" if code < 0 else f"code {code}"
        self.error = f"{self.backend.name} crashed ({how})"
        self._append_log(f"[workbench] {self.error}")
        await self._cleanup(remove_dir=False)
        self._set_state(State.FAILED)
        if uptime >= STABLE_AFTER:
            self.crashes_in_a_row = 0
        self.crashes_in_a_row += 1
        if self.backend.restart_on_crash and self.crashes_in_a_row <= self.backend.max_restarts:
            delay = backoff_delay(self.crashes_in_a_row, self.backoff_base, self.backoff_cap)
            self.next_restart_at = time.time() + delay
            self._append_log(f"[workbench] restarting in {delay:g} s")
            self._restart_task = asyncio.ensure_future(self._restart_later(delay))
        elif self.backend.restart_on_crash:
            self.error += f"; gave up after {self.backend.max_restarts} restarts"

    async def _restart_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self.next_restart_at = None
        self.restarts += 1
        self._start_task = asyncio.ensure_future(self._start())
        await asyncio.shield(self._start_task)

    async def _terminate_group(self, already_exited: bool = False) -> None:
        proc, exited = self.proc, self._exited
        if proc is None or exited is None:
            return
        pgid = proc.pid  # start_new_session=True: the group id is the child's pid
        if exited.done() and not _group_alive(pgid):
            return
        _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + self.backend.stop_grace
        while time.monotonic() < deadline:
            if exited.done() and not _group_alive(pgid):
                break
            await asyncio.sleep(0.05)
        if not exited.done() or _group_alive(pgid):
            self._append_log(f"[workbench] {self.backend.name} ignored SIGTERM; sending SIGKILL")
            _signal_group(pgid, signal.SIGKILL)
        self.last_exit_code = await exited
        for _ in range(100):
            if not _group_alive(pgid):
                break
            await asyncio.sleep(0.02)
        await self._drain_reader()

    async def _cleanup(self, remove_dir: bool = True) -> None:
        if self._bridge is not None:
            await self._bridge.close()
            self._bridge = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.ctx.socket_path)
        try:
            await self.backend.after_stop(self.ctx)
        except Exception:  # a backend's cleanup must never break the lifecycle
            self.log.exception("[workbench] cleanup of %s failed", self.backend.name)
        if remove_dir:
            shutil.rmtree(self.ctx.socket_dir, ignore_errors=True)


#: Exit pollers in flight (kept referenced so they are not garbage-collected).
_POLLERS: set[asyncio.Future[None]] = set()


def _watch_exit(proc: subprocess.Popen[bytes]) -> asyncio.Future[int]:
    """A future resolved with ``proc``'s exit code (reaped) as soon as it exits."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[int] = loop.create_future()

    def check() -> bool:
        code = proc.poll()
        if code is None:
            return False
        if not future.done():
            future.set_result(code)
        return True

    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # no pidfd (old kernel or Python): poll instead

        async def poll() -> None:
            while not check():
                await asyncio.sleep(0.05)
            task = asyncio.current_task()
            if task is not None:
                _POLLERS.discard(task)

        _POLLERS.add(asyncio.ensure_future(poll()))
        return future

    def on_readable() -> None:
        if check():
            loop.remove_reader(pidfd)
            os.close(pidfd)

    loop.add_reader(pidfd, on_readable)
    return future


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    """Whether any process is left in process group ``pgid`` (zombies excluded)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # killpg(0) succeeds for zombies too: look for a live member.
    return bool(live_group_members(pgid))


class Supervisor:
    """All backends of one Jupyter server, keyed by name."""

    def __init__(self, runtime_dir: str, log: logging.Logger | None = None) -> None:
        self.runtime_dir = runtime_dir
        self.log = log or logging.getLogger(__name__)
        self.processes: dict[str, ManagedProcess] = {}

    def add(self, backend: Backend, ctx: LaunchContext, **kwargs: Any) -> ManagedProcess:
        """Register ``backend``; returns its :class:`ManagedProcess`."""
        managed = ManagedProcess(backend, ctx, self.log, **kwargs)
        self.processes[backend.name] = managed
        return managed

    def get(self, name: str) -> ManagedProcess | None:
        """The managed process of backend ``name``, if any."""
        return self.processes.get(name)

    async def stop_all(self) -> None:
        """Stop every backend (in parallel) and remove the runtime directory."""
        await asyncio.gather(
            *(managed.stop() for managed in self.processes.values()), return_exceptions=True
        )
        shutil.rmtree(self.runtime_dir, ignore_errors=True)
