"""The supervisor against small real child programs (tests/programs/webapp.py)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import signal
import stat
import sys
import time

import pytest

from jupyter_workbench.core.backend import BackendError, LaunchContext
from jupyter_workbench.core.supervisor import LOG_LINES, ManagedProcess, State, backoff_delay
from jupyter_workbench.custom.backend import CommandBackend

from .helpers import listening_tcp_inodes, process_alive, socket_inodes_of

WEBAPP = os.path.join(os.path.dirname(__file__), "programs", "webapp.py")


def make_managed(tmp_path, *args: str, **spec) -> ManagedProcess:
    """A ManagedProcess running webapp.py with ``args``, sockets under ``tmp_path``."""
    root = tmp_path / "rt"
    root.mkdir(mode=0o700, exist_ok=True)
    spec.setdefault("readiness", {"kind": "http", "path": "/", "timeout": 10})
    spec.setdefault("stop_grace", 1.0)
    backend = CommandBackend.from_config(
        "app", {"command": [sys.executable, WEBAPP, "{unix_socket}", *args], **spec}
    )
    socket_dir = str(root / "app")
    ctx = LaunchContext(
        name="app",
        socket_path=os.path.join(socket_dir, "sock"),
        socket_dir=socket_dir,
        base_url="/",
        url="/app/",
        root_dir=str(tmp_path),
    )
    return ManagedProcess(backend, ctx, backoff_base=0.2, backoff_cap=0.8)


async def wait_state(managed: ManagedProcess, state: State, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while managed.state != state:
        assert time.monotonic() < deadline, f"state {managed.state} never became {state}"
        await asyncio.sleep(0.05)


def test_backoff_is_exponential_and_capped():
    assert [backoff_delay(n, 1.0, 30.0) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


async def test_becomes_running_only_when_ready(tmp_path):
    managed = make_managed(tmp_path, "--ready-after", "0.8")
    task = asyncio.ensure_future(managed.start())
    await asyncio.sleep(0.4)
    assert managed.state == State.STARTING
    started = time.monotonic()
    assert await task == State.RUNNING
    assert time.monotonic() - started > 0.2
    assert managed.pid is not None
    assert managed.ready_at is not None and managed.started_at is not None
    await managed.stop()


async def test_socket_is_private_and_no_tcp_listener(tmp_path):
    managed = make_managed(tmp_path)
    assert await managed.start() == State.RUNNING
    sock_stat = os.stat(managed.ctx.socket_path)
    assert stat.S_ISSOCK(sock_stat.st_mode)
    assert stat.S_IMODE(sock_stat.st_mode) == 0o600
    assert stat.S_IMODE(os.stat(managed.ctx.socket_dir).st_mode) == 0o700
    # The backend's sockets are unix sockets only: none of its fds is a TCP listener.
    assert not (socket_inodes_of(managed.pid) & listening_tcp_inodes())
    await managed.stop()


async def test_readiness_timeout_fails_with_log(tmp_path):
    managed = make_managed(
        tmp_path, "--ready-after", "30", readiness={"kind": "http", "timeout": 0.7}
    )
    assert await managed.start() == State.FAILED
    assert "did not become ready within 0.7 s" in managed.error
    assert any("webapp pid" in line for line in managed.logs)
    assert managed.pid is None


async def test_exit_before_ready_is_reported(tmp_path):
    managed = make_managed(tmp_path, "--no-such-option")
    assert await managed.start() == State.FAILED
    assert "exited with code 2 before it was ready" in managed.error
    assert any("unrecognized arguments" in line for line in managed.logs)
    assert managed.last_exit_code == 2


async def test_missing_program_fails_cleanly(tmp_path):
    managed = make_managed(tmp_path)
    managed.backend.command = ["/nonexistent/program", "{unix_socket}"]
    assert await managed.start() == State.FAILED
    assert "could not start app" in managed.error


async def test_backend_refusal_is_shown(tmp_path):
    managed = make_managed(tmp_path)

    async def refuse(ctx):
        raise BackendError("key file is not readable", hint="chmod 0644 /etc/key")

    managed.backend.launch_plan = refuse
    assert await managed.start() == State.FAILED
    assert managed.error == "key file is not readable — chmod 0644 /etc/key"


async def test_crash_restarts_with_backoff(tmp_path):
    managed = make_managed(tmp_path, "--crash-after", "0.5")
    assert await managed.start() == State.RUNNING
    first_pid = managed.pid
    await wait_state(managed, State.FAILED)
    assert managed.last_exit_code == 3
    assert "crashed (code 3)" in managed.error
    assert managed.status()["next_restart_in"] is not None
    await wait_state(managed, State.RUNNING)
    assert managed.pid != first_pid
    assert managed.restarts == 1
    await managed.stop()
    assert managed.state == State.STOPPED


async def test_gives_up_after_max_restarts(tmp_path):
    managed = make_managed(tmp_path, "--crash-after", "0.2", max_restarts=2)
    await managed.start()
    deadline = time.monotonic() + 15
    while "gave up" not in (managed.error or ""):
        assert time.monotonic() < deadline, managed.error
        await asyncio.sleep(0.05)
    assert managed.state == State.FAILED
    assert managed.restarts == 2
    await asyncio.sleep(1.0)
    assert managed.state == State.FAILED  # no further restart


async def test_clean_exit_leaves_it_startable(tmp_path):
    managed = make_managed(tmp_path, "--exit-after", "0.4")
    assert await managed.start() == State.RUNNING
    await wait_state(managed, State.STOPPED)
    assert managed.last_exit_code == 0
    assert not os.path.exists(managed.ctx.socket_dir)
    assert managed.error is None
    # The next open starts it again, as a fresh run.
    assert await managed.start() == State.RUNNING
    await managed.stop()


async def test_stop_kills_whole_group_even_if_sigterm_ignored(tmp_path):
    managed = make_managed(tmp_path, "--ignore-term", "--spawn-child", stop_grace=0.5)
    assert await managed.start() == State.RUNNING
    pid = managed.pid
    child_pid = next(int(line.split()[-1]) for line in managed.logs if line.startswith("child pid"))
    assert process_alive(child_pid)
    started = time.monotonic()
    assert await managed.stop() == State.STOPPED
    assert time.monotonic() - started >= 0.4  # waited for the grace period
    assert managed.last_exit_code == -signal.SIGKILL
    assert not process_alive(pid)
    assert not process_alive(child_pid)
    assert any("ignored SIGTERM" in line for line in managed.logs)
    assert not os.path.exists(managed.ctx.socket_dir)


async def test_crash_takes_leftover_children_with_it(tmp_path):
    managed = make_managed(
        tmp_path, "--crash-after", "0.4", "--spawn-child", restart_on_crash=False
    )
    assert await managed.start() == State.RUNNING
    child_pid = next(int(line.split()[-1]) for line in managed.logs if line.startswith("child pid"))
    await wait_state(managed, State.FAILED)
    deadline = time.monotonic() + 5
    while process_alive(child_pid):
        assert time.monotonic() < deadline, "orphaned child survived the crash"
        await asyncio.sleep(0.05)


async def test_log_flood_keeps_last_lines(tmp_path):
    managed = make_managed(tmp_path, "--flood", "5000")
    assert await managed.start() == State.RUNNING
    assert len(managed.logs) == LOG_LINES
    assert "webapp ready" in list(managed.logs)[-5:]
    assert any("flood line 4999" in line for line in managed.logs)
    assert not any("flood line 10 " in line for line in managed.logs)
    tail = managed.status(log_tail=5)["log_tail"]
    assert len(tail) == 5
    await managed.stop()


async def test_concurrent_starts_share_one_process(tmp_path):
    managed = make_managed(tmp_path, "--ready-after", "0.3")
    states = await asyncio.gather(*(managed.start() for _ in range(5)))
    assert states == [State.RUNNING] * 5
    assert sum(1 for line in managed.logs if line.startswith("[workbench] starting")) == 1
    await managed.stop()


async def test_restart_replaces_the_process(tmp_path):
    managed = make_managed(tmp_path)
    await managed.start()
    first = managed.pid
    assert await managed.restart() == State.RUNNING
    assert managed.pid != first
    assert managed.restarts == 1
    await managed.stop()


async def test_stop_during_start_cancels_it(tmp_path):
    managed = make_managed(tmp_path, "--ready-after", "20")
    task = asyncio.ensure_future(managed.start())
    await asyncio.sleep(0.5)
    assert managed.state == State.STARTING
    pid = managed.pid
    await managed.stop()
    assert managed.state == State.STOPPED
    assert not process_alive(pid)
    with pytest.raises(asyncio.CancelledError):
        await task


def with_prepare(managed: ManagedProcess, tmp_path, prepare) -> str:
    """Give ``managed``'s plan a ``prepare`` step; the program records its stdin first."""
    original = managed.backend.launch_plan
    record = str(tmp_path / "stdin.txt")

    async def launch_plan(ctx):
        plan = await original(ctx)
        # The shell copies stdin (until the supervisor closes it) to a file, then runs
        # the program: its readiness depends on the preparation having finished.
        argv = ["/bin/sh", "-c", 'cat > "$0" && exec "$@"', record, *plan.argv]
        return dataclasses.replace(plan, argv=argv, prepare=prepare)

    managed.backend.launch_plan = launch_plan
    return record


def timeline(managed: ManagedProcess) -> list[str]:
    """The start's timeline steps from the log, without their ``+N ms`` stamps."""
    steps = []
    for line in managed.logs:
        match = re.match(r"\[workbench\] \+(\d+) ms (.*)", line)
        if match:
            steps.append(match.group(2))
    return steps


async def test_prepare_runs_after_spawn_and_feeds_stdin(tmp_path):
    managed = make_managed(tmp_path)
    spawned_first = []

    async def prepare() -> bytes:
        # The program is already running while we prepare.
        spawned_first.append(managed.pid is not None and process_alive(managed.pid))
        await asyncio.sleep(0.3)
        return b'{"mode": "software"}\n' * 5000  # more than a pipe holds at once

    record = with_prepare(managed, tmp_path, prepare)
    assert await managed.start() == State.RUNNING
    assert spawned_first == [True]
    with open(record, "rb") as handle:
        assert handle.read() == b'{"mode": "software"}\n' * 5000
    steps = timeline(managed)
    assert steps[0] == "launch plan ready" and steps[1].startswith("spawned (pid ")
    assert steps[2] == "prepared" and steps[-1] == "ready", steps
    assert steps[-2].startswith("readiness probe passed"), steps
    await managed.stop()


async def test_prepare_failure_fails_the_start_and_stops_the_program(tmp_path):
    managed = make_managed(tmp_path)

    async def prepare() -> bytes:
        await asyncio.sleep(0.1)
        raise BackendError("no rendering mode works", hint="see the log")

    with_prepare(managed, tmp_path, prepare)
    assert await managed.start() == State.FAILED
    assert managed.error == "no rendering mode works — see the log"
    assert managed.pid is None
    pids = [int(m.group(1)) for m in map(re.compile(r"webapp pid (\d+)").search, managed.logs) if m]
    assert not pids  # it never got past the shell waiting for its stdin
    assert "prepared" not in timeline(managed)


async def test_unexpected_prepare_error_is_reported_not_raised(tmp_path):
    managed = make_managed(tmp_path)

    async def prepare() -> bytes:
        raise RuntimeError("boom")

    with_prepare(managed, tmp_path, prepare)
    assert await managed.start() == State.FAILED
    assert managed.error == "could not prepare app: RuntimeError('boom')"
    assert managed.pid is None


async def test_stop_during_prepare_stops_everything(tmp_path):
    managed = make_managed(tmp_path)
    release = asyncio.Event()

    async def prepare() -> bytes:
        await release.wait()
        return b"{}"

    with_prepare(managed, tmp_path, prepare)
    task = asyncio.ensure_future(managed.start())
    await wait_until_pid(managed)
    pid = managed.pid
    await managed.stop()
    assert managed.state == State.STOPPED
    assert not process_alive(pid)
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def wait_until_pid(managed: ManagedProcess, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while managed.pid is None:
        assert time.monotonic() < deadline, "never spawned"
        await asyncio.sleep(0.02)


async def test_output_triggers_the_readiness_probe(tmp_path):
    # A 5 s probe interval: without probing on output, ready would take ≥ 5 s. The
    # program prints "webapp ready" once it listens, and that wakes the probe at once.
    managed = make_managed(
        tmp_path,
        "--ready-after",
        "0.4",
        readiness={"kind": "http", "path": "/", "timeout": 20, "interval": 5},
    )
    started = time.monotonic()
    assert await managed.start() == State.RUNNING
    assert time.monotonic() - started < 3.0
    assert timeline(managed)[-2].startswith("readiness probe passed"), timeline(managed)
    await managed.stop()


async def test_start_epoch_is_handed_to_the_program(tmp_path):
    managed = make_managed(tmp_path)
    managed.backend.command = [
        "/bin/sh",
        "-c",
        'echo "epoch=$WORKBENCH_START_EPOCH"; exec "$@"',
        "sh",
        sys.executable,
        WEBAPP,
        "{unix_socket}",
    ]
    assert await managed.start() == State.RUNNING
    line = next(line for line in managed.logs if line.startswith("epoch="))
    assert abs(float(line[len("epoch=") :]) - managed.started_at) < 0.01
    await managed.stop()
