#!/usr/bin/env python3
"""Per-session costs: resident memory and idle CPU per desktop, and the GPU sampler's cost.

Run on its own (``.venv/bin/python bench/costs.py``) or from ``make bench-desktop``, which
prints the same table after its own. Not a timed test: read the figures beside the floor.

Desktops (Xvnc + session), each started, left alone for :data:`SETTLE` seconds (no viewer
connected), then measured: PSS and RSS summed over the desktop's process tree (from
``/proc/PID/smaps_rollup``), and CPU (user + system of the tree, over ``--seconds``):

``ours (openbox)``  Jupyter Workbench's desktop (the launcher, Xvnc, the session), the
                    bench's session (bench/desktop/session.sh: openbox + xterm)
``ours (XFCE)``     the same with ``xfce4-session`` (when installed)
``floor``           a bare Xvnc (Workbench's own flags) + the same session, no Jupyter
``floor (XFCE)``    a bare Xvnc + ``xfce4-session``
``JRDP``            jupyter-remote-desktop-proxy 3.0.1 (vncserver + the same session)

PSS divides shared pages among the processes sharing them (the fair per-desktop figure
when many desktops run); RSS counts them in full. The Jupyter server itself is not part
of a desktop's cost (it exists without one).

GPU sampler: a Jupyter server with the Workbench whose sampler reads the labelled
``nvidia-smi`` TEST DOUBLE (server-ext/tests/gpu/doubles; no GPU here) answering from a
real capture, at its default interval (2 s); its PSS/RSS and CPU (its own plus its reaped
children's, i.e. the nvidia-smi runs) with 0 subscribers (the sampler does not run), then
with 1, 50 and 200 WebSocket subscribers; the table shows what the subscribers add.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any  # Any: JSON answers

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SESSION = HERE / "desktop/session.sh"
GEOMETRY = "1920x1080"
JRDP_VERSION = "3.0.1"
#: Seconds a desktop is left alone before it is measured (XFCE starts its daemons).
SETTLE = 8.0
ROOT_FLAG = ["--allow-root"] if os.geteuid() == 0 else []
GPU_XML = REPO / "server-ext/tests/fixtures/gpu/nvidia-smi-xml/a100-sxm4-v12.xml"
NVSMI_DOUBLE = REPO / "server-ext/tests/gpu/doubles"
TICK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[costs] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- /proc
def children_map() -> dict[int, list[int]]:
    """Parent PID → child PIDs, for every process now."""
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                ppid = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(root: int, include_root: bool = True) -> list[int]:
    """``root`` and all its descendants."""
    kids = children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out if include_root else out[1:]


def environ_of(pid: int) -> dict[str, str]:
    """The environment ``pid`` was started with ({} when unreadable)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            raw = handle.read()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


#: Environment variable that marks every process a measured desktop starts (daemons that
#: leave its process tree and session, like XFCE's ssh-agent and gpg-agent, keep it).
MARK = "WORKBENCH_BENCH_MARK"


def marked(token: str, exclude: tuple[int, ...] = ()) -> list[int]:
    """Every process started with ``MARK=token``, less ``exclude``."""
    out = []
    for entry in os.listdir("/proc"):
        if (
            entry.isdigit()
            and int(entry) not in exclude
            and environ_of(int(entry)).get(MARK) == token
        ):
            out.append(int(entry))
    return out


def desktop_pids(
    roots: list[int], token: str, exclude: tuple[int, ...] = ()
) -> list[int]:
    """The roots' trees plus every marked process (once each), less ``exclude``."""
    pids: set[int] = set()
    for root in roots:
        pids.update(tree(root))
    pids.update(marked(token))
    return sorted(pids - set(exclude))


def memory_kib(pids: list[int]) -> tuple[int, int]:
    """(PSS, RSS) in KiB summed over ``pids``."""
    pss = rss = 0
    for pid in pids:
        with (
            contextlib.suppress(OSError),
            open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle,
        ):
            for line in handle:
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
    return pss, rss


def cpu_ticks(pid: int, children: bool = False) -> int:
    """User + system ticks of ``pid`` (plus its reaped children's with ``children``)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks


def idle_cpu(pids_now: Any, seconds: float) -> float:
    """% of one core used by the processes ``pids_now()`` lists, over ``seconds``."""
    before = {pid: cpu_ticks(pid) for pid in pids_now()}
    time.sleep(seconds)
    used = 0
    for pid in pids_now():
        used += cpu_ticks(pid) - before.get(pid, 0)
    return used / TICK / seconds * 100.0


def comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return "?"


def names(pids: list[int]) -> list[str]:
    return sorted(comm(pid) for pid in pids)


@dataclass
class Cost:
    """One measured desktop (or sampler state)."""

    pss_kib: int
    rss_kib: int
    cpu_percent: float
    processes: list[str]


def measure(pids_now: Any, seconds: float) -> Cost:
    pids = pids_now()
    pss, rss = memory_kib(pids)
    cpu = idle_cpu(pids_now, seconds)
    return Cost(pss, rss, cpu, names(pids))


# ---------------------------------------------------------------- helpers
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def post(url: str) -> dict[str, Any]:
    request = urllib.request.Request(url, method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=60) as resp:
        return json.loads(resp.read() or b"{}")


def stop_group(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop ``proc``'s process group (it was started in a new session)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def spawn(argv: list[str], log_path: Path, **kwargs: Any) -> subprocess.Popen[bytes]:
    with open(log_path, "wb") as handle:
        return subprocess.Popen(
            argv,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **kwargs,
        )


def leftovers(token: str, exclude: tuple[int, ...], wait: float = 3.0) -> list[str]:
    """Marked processes still alive ``wait`` s after a stop (there should be none)."""
    deadline = time.monotonic() + wait
    while True:
        alive = marked(token, exclude)
        if not alive or time.monotonic() > deadline:
            return [f"{pid} {comm(pid)}" for pid in alive]
        time.sleep(0.2)


def clean_up(token: str, exclude: tuple[int, ...]) -> None:
    """End what a measured desktop left behind (by PID: only processes it marked)."""
    for pid in marked(token, exclude):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    time.sleep(0.5)
    for pid in marked(token, exclude):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------- desktops
def ours(
    workdir: Path, session: list[str], seconds: float, label: str
) -> dict[str, Any]:
    """Our desktop under a Jupyter server; the desktop's tree is the server's children."""
    port, token = free_port(), secrets.token_hex(16)
    mark = secrets.token_hex(8)
    runtime = workdir / f"rt-{label}"
    runtime.mkdir()
    config = workdir / f"config-{label}.py"
    config.write_text(
        "c.ServerApp.jpserver_extensions = {'jupyter_workbench': True}\n"
        f"c.WorkbenchApp.runtime_dir = {str(runtime)!r}\n"
        "c.WorkbenchApp.disabled_backends = ['vscode', 'rstudio']\n"
        "c.GPUMonitor.source = 'none'\n"
        "c.WorkbenchDesktop.profiles = [{'name': 'desktop', 'geometry': "
        f"{GEOMETRY!r}, 'session': {session!r}, 'gpu': 'software'}}]\n"
    )
    server = spawn(
        [
            str(REPO / ".venv/bin/python"),
            "-m",
            "jupyter_server",
            f"--config={config}",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--no-browser",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={workdir}",
            *ROOT_FLAG,
        ],
        workdir / f"server-{label}.log",
        env={
            **os.environ,
            MARK: mark,
            "JUPYTER_RUNTIME_DIR": str(workdir / f"jrt-{label}"),
        },
    )
    base = f"http://127.0.0.1:{port}/workbench/api/backends/desktop"
    try:
        wait_http(f"http://127.0.0.1:{port}/api/status?token={token}")
        status = post(f"{base}/start?token={token}")
        launcher = int(status["pid"])
        time.sleep(SETTLE)
        cost = measure(lambda: desktop_pids([launcher], mark, (server.pid,)), seconds)
        post(f"{base}/stop?token={token}")
        left = leftovers(mark, (server.pid,))
        return {"cost": cost, "left_after_stop": left}
    finally:
        stop_group(server)
        clean_up(mark, (server.pid,))


def floor(
    workdir: Path, session: list[str], seconds: float, label: str
) -> dict[str, Any]:
    """A bare Xvnc with Workbench's flags + the same session, started by hand."""
    sock = str(workdir / f"floor-{label}.sock")
    read_fd, write_fd = os.pipe()
    xvnc = spawn(
        [
            "Xvnc",
            "-rfbunixpath",
            sock,
            "-rfbunixmode",
            "0600",
            "-rfbport",
            "-1",
            "-SecurityTypes",
            "None",
            "-AcceptSetDesktopSize",
            "-AlwaysShared",
            "-BlacklistTimeout",
            "0",
            "-geometry",
            GEOMETRY,
            "-depth",
            "24",
            "-nolisten",
            "tcp",
            "-displayfd",
            str(write_fd),
        ],
        workdir / f"xvnc-{label}.log",
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    display = b""
    while not display.endswith(b"\n"):
        chunk = os.read(read_fd, 16)
        if not chunk:
            raise RuntimeError("Xvnc exited before reporting its display")
        display += chunk
    os.close(read_fd)
    mark = secrets.token_hex(8)
    env = {**os.environ, "DISPLAY": ":" + display.decode().strip(), MARK: mark}
    env.pop("XAUTHORITY", None)
    sess = spawn(session, workdir / f"session-{label}.log", env=env)
    try:
        time.sleep(SETTLE)
        cost = measure(lambda: desktop_pids([xvnc.pid, sess.pid], mark), seconds)
        return {"cost": cost}
    finally:
        stop_group(sess)
        stop_group(xvnc)
        clean_up(mark, ())


def jrdp_python() -> Path | None:
    python = Path(os.environ.get("JRDP_VENV", "/tmp/jrdp-venv")) / "bin/python"
    if not python.exists():
        return None
    code = "import importlib.metadata as m; print(m.version('jupyter-remote-desktop-proxy'))"
    found = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=False
    )
    return python if found.stdout.strip() == JRDP_VERSION else None


def jrdp(workdir: Path, python: Path, seconds: float) -> dict[str, Any]:
    """jupyter-remote-desktop-proxy's desktop: everything its server spawns for it."""
    from tornado.websocket import websocket_connect

    port, token = free_port(), secrets.token_hex(16)
    mark = secrets.token_hex(8)
    server = spawn(
        [
            str(python),
            "-m",
            "jupyter_server",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--no-browser",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={workdir}",
            *ROOT_FLAG,
        ],
        workdir / "server-jrdp.log",
        env={
            **os.environ,
            "JUPYTER_REMOTE_DESKTOP_PROXY_XSTARTUP": str(SESSION),
            "JUPYTER_RUNTIME_DIR": str(workdir / "jrt-jrdp"),
            MARK: mark,
        },
        cwd=str(workdir),
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/status?token={token}")
        url = f"ws://127.0.0.1:{port}/desktop-websockify/?token={token}"

        async def open_once() -> None:  # the first request starts vncserver
            for _ in range(60):
                try:
                    conn = await websocket_connect(url)
                    await asyncio.wait_for(conn.read_message(), 10)  # the RFB banner
                    conn.close()
                    return
                except (TimeoutError, OSError):
                    await asyncio.sleep(0.5)
            raise RuntimeError("JRDP's desktop did not answer")

        asyncio.run(open_once())
        time.sleep(SETTLE)
        cost = measure(lambda: desktop_pids([server.pid], mark, (server.pid,)), seconds)
        return {"cost": cost}
    finally:
        stop_group(server, grace=15)
        clean_up(mark, ())


# ---------------------------------------------------------------- GPU sampler
def gpu_sampler(
    workdir: Path, seconds: float, counts: tuple[int, ...]
) -> dict[str, Any]:
    """The server's memory and CPU with 0, then each count of, GPU stream subscribers."""
    from tornado.websocket import websocket_connect

    port = free_port()
    token = secrets.token_hex(16)
    config = workdir / "config-gpu.py"
    config.write_text(
        "c.ServerApp.jpserver_extensions = {'jupyter_workbench': True}\n"
        "c.WorkbenchApp.disabled_backends = ['vscode', 'rstudio']\n"
        f"c.WorkbenchApp.runtime_dir = {str(workdir / 'rt-gpu')!r}\n"
        "c.WorkbenchDesktop.profiles = []\n"
        "c.GPUMonitor.source = 'nvidia-smi'\n"
    )
    server = spawn(
        [
            str(REPO / ".venv/bin/python"),
            "-m",
            "jupyter_server",
            f"--config={config}",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--no-browser",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={workdir}",
            *ROOT_FLAG,
        ],
        workdir / "server-gpu.log",
        env={
            **os.environ,
            "PATH": f"{NVSMI_DOUBLE}:{os.environ.get('PATH', '')}",
            "NVSMI_DOUBLE_XML": str(GPU_XML),
            "JUPYTER_RUNTIME_DIR": str(workdir / "jrt-gpu"),
        },
    )

    def server_cpu() -> float:
        return cpu_ticks(server.pid, children=True) / TICK

    def sample() -> Cost:
        pss, rss = memory_kib([server.pid])
        start = server_cpu()
        time.sleep(seconds)
        cpu = (server_cpu() - start) / seconds * 100.0
        return Cost(pss, rss, cpu, ["jupyter-server"])

    async def run() -> dict[str, Cost]:
        url = f"ws://127.0.0.1:{port}/workbench/api/gpu/stream?token={token}"
        out = {"0": await asyncio.to_thread(sample)}
        clients: list[Any] = []
        tasks: list[asyncio.Task[None]] = []

        async def drain(client: Any) -> None:
            while await client.read_message() is not None:
                pass

        for count in counts:
            while len(clients) < count:
                client = await websocket_connect(url)
                clients.append(client)
                tasks.append(asyncio.ensure_future(drain(client)))
            await asyncio.sleep(3.0)
            out[str(count)] = await asyncio.to_thread(sample)
        for client in clients:
            client.close()
        for task in tasks:
            task.cancel()
        return out

    try:
        wait_http(f"http://127.0.0.1:{port}/api/status?token={token}")
        time.sleep(SETTLE)  # the server's own start-up is over
        return asyncio.run(run())
    finally:
        stop_group(server)


# ---------------------------------------------------------------- report
def mb(kib: int) -> str:
    return f"{kib / 1024:8.1f}"


def run_all(seconds: float, with_gpu: bool = True) -> tuple[dict[str, Any], list[str]]:
    """Every figure; (results, errors) — a figure that failed thrice is an error."""
    workdir = Path(tempfile.mkdtemp(prefix="wb-bench-costs-"))
    os.chmod(workdir, 0o700)
    results: dict[str, Any] = {}
    errors: list[str] = []
    xfce = shutil.which("xfce4-session")
    plan: list[tuple[str, Any]] = [
        ("ours (openbox)", lambda: ours(workdir, [str(SESSION)], seconds, "openbox")),
        ("floor (openbox)", lambda: floor(workdir, [str(SESSION)], seconds, "openbox")),
    ]
    if xfce:
        plan += [
            ("ours (XFCE)", lambda: ours(workdir, [xfce], seconds, "xfce")),
            ("floor (XFCE)", lambda: floor(workdir, [xfce], seconds, "xfce")),
        ]
    python = jrdp_python()
    if python:
        plan.append(("JRDP (openbox)", lambda: jrdp(workdir, python, seconds)))
    else:
        errors.append(
            "JRDP: no venv with jupyter-remote-desktop-proxy (run bench-desktop first)"
        )
    if with_gpu:
        plan.append(
            ("GPU sampler", lambda: gpu_sampler(workdir, seconds, (1, 50, 200)))
        )
    for name, job in plan:
        for attempt in range(1, 4):
            log(f"{name} (try {attempt}) …")
            try:
                results[name] = job()
                break
            except Exception as err:  # noqa: BLE001  # any failure is reported, then retried
                log(f"{name} failed: {type(err).__name__}: {err}")
                for path in sorted(workdir.glob("*.log"), key=os.path.getmtime)[-2:]:
                    tail = path.read_text(errors="replace").splitlines()[-15:]
                    log(f"  tail of {path.name}:\n    " + "\n    ".join(tail))
        else:
            errors.append(f"{name}: failed 3 times")
    results["_workdir"] = str(workdir)
    return results, errors


def report(results: dict[str, Any], seconds: float) -> None:
    load = os.getloadavg()
    print(
        f"\nPer-session costs — {os.cpu_count()} CPUs, load {load[0]:.2f} {load[1]:.2f}, "
        f"idle CPU over {seconds:g} s, no viewer connected"
    )
    print(
        f"{'desktop (Xvnc + session)':28} {'PSS MB':>8} {'RSS MB':>8} {'CPU %':>7}  processes"
    )
    for name, data in results.items():
        if name.startswith("_") or name == "GPU sampler":
            continue
        cost: Cost = data["cost"]
        print(
            f"{name:28} {mb(cost.pss_kib)} {mb(cost.rss_kib)} {cost.cpu_percent:7.2f}  "
            f"{len(cost.processes)}: {' '.join(cost.processes)}"
        )
    for name in ("ours (openbox)", "ours (XFCE)"):
        left = results.get(name, {}).get("left_after_stop")
        if left is not None:
            print(
                f"  {name}: after Stop, {len(left)} process(es) of its session left"
                + (f": {', '.join(left)}" if left else "")
            )
    for a, b in (
        ("ours (openbox)", "floor (openbox)"),
        ("ours (openbox)", "JRDP (openbox)"),
    ):
        if a in results and b in results:
            ca, cb = results[a]["cost"], results[b]["cost"]
            print(
                f"  {a} / {b}: PSS {ca.pss_kib / cb.pss_kib:.2f}, RSS {ca.rss_kib / cb.rss_kib:.2f}"
            )
    gpu = results.get("GPU sampler")
    if gpu:
        base: Cost = gpu["0"]
        print(
            f"\nGPU sampler (nvidia-smi TEST DOUBLE, real capture; server alone: "
            f"PSS {base.pss_kib / 1024:.1f} MB, RSS {base.rss_kib / 1024:.1f} MB, "
            f"CPU {base.cpu_percent:.2f} %)"
        )
        print(f"{'subscribers':>12} {'+PSS MB':>8} {'+RSS MB':>8} {'+CPU %':>7}")
        for count, cost in gpu.items():
            if count == "0":
                continue
            print(
                f"{count:>12} {(cost.pss_kib - base.pss_kib) / 1024:8.1f} "
                f"{(cost.rss_kib - base.rss_kib) / 1024:8.1f} "
                f"{cost.cpu_percent - base.cpu_percent:7.2f}"
            )


def as_json(results: dict[str, Any]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Cost):
            return value.__dict__
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="CPU window (s)")
    parser.add_argument("--no-gpu", action="store_true", help="skip the GPU sampler")
    args = parser.parse_args()
    results, errors = run_all(args.seconds, not args.no_gpu)
    report(results, args.seconds)
    for error in errors:
        print(f"  MISSING: {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
