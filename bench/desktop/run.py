#!/usr/bin/env python3
"""Desktop benchmark: our desktop vs a direct websockify connection vs jupyter-remote-desktop-proxy.

Run with ``make bench-desktop`` (or ``.venv/bin/python bench/desktop/run.py``). Prints the
figures side by side with their ratios, then the per-session costs (bench/costs.py);
writes them as JSON to ``bench/results/``. Not a timed test.

Paths (the same session everywhere: bench/desktop/session.sh, openbox + xterm):

``ours``    Jupyter Workbench as users get it: ``jupyter lab`` with the extension, the
            default settings (input-only activity tracking included); ``POST
            …/backends/desktop/start`` then the WebSocket at ``{base_url}desktop/``
            (jupyter-server-proxy raw socket → our Xvnc's unix socket).
``direct``  Debian's websockify in front of the *same* running Xvnc (the floor: same
            flags, geometry and session). Its cold start spawns a bare Xvnc with our
            Xvnc's own command line (read from /proc) and connects once it greets.
``jrdp``    jupyter-remote-desktop-proxy 3.0.1 under ``jupyter lab`` in its own venv
            (created with pip when missing; vncserver via jupyter-server-proxy,
            ``/desktop-websockify/``), its xstartup set to the same session. It hard-codes
            1680x1050: its screen is resized to 1920x1080 (xrandr) before the warm rows.

Rows. Protocol level, one client for every path (noVNC 1.7.0 in headless Chromium,
bench/desktop/page.html driven by driver.mjs, the viewer's quality and compression):

* cold start: start request (ours: ``POST start``; direct: Xvnc spawned; JRDP: first
  connection, retried like its page does) → first remote frame painted (median of 3);
* warm open: new connection to a running desktop → first frame painted;
* key → update: key press sent → screen update painted (median of 20);
* 1080p animation: full-screen frames painted per second while bench/desktop/anim.c
  redraws every pixel, and the share delivered: frames painted / frames the animation
  drew inside the same window (anim.c stamps each frame with the wall clock).

Click level (bench/desktop/click.mjs, a fresh browser context per run): from a click on
the Desktop tile in JupyterLab's launcher to the first remote frame painted on the canvas,
the desktop stopped before each click. For ours the lazy noVNC chunk is checked (not
fetched at page load, fetched after the click) and its size printed. For JRDP: its
launcher entry, its page in the new window, its first frame.

Every measurement is retried up to 3 times; a failure prints its error and the tail of
the browser driver's stderr. The bench exits non-zero when a cell stays empty.

Options: ``--motion N`` adds N interleaved rounds of the animation on ours (input
inspection on, the default), ours with ``activity = "all"`` (no inspection) and direct,
to tell where a motion gap comes from. ``--no-costs`` skips bench/costs.py.

Environment: JRDP_VENV (default /tmp/jrdp-venv), WORKBENCH_BENCH_CACHE (default
/tmp/jupyter-workbench-bench), CHROMIUM.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import secrets
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, TypeVar

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))
import costs  # bench/costs.py, beside this folder

CACHE = Path(os.environ.get("WORKBENCH_BENCH_CACHE", "/tmp/jupyter-workbench-bench"))
JRDP_VENV = Path(os.environ.get("JRDP_VENV", "/tmp/jrdp-venv"))
NOVNC_VERSION = "1.7.0"
JRDP_VERSION = "3.0.1"
SESSION = HERE / "session.sh"
GEOMETRY = "1920x1080"
KEY_PRESSES = 20
#: Cold starts per path, protocol and click level (the median is reported).
COLD_RUNS = 3
CLICK_RUNS = 3
#: Tries of each measurement before its cell stays empty.
TRIES = 3
#: Seconds a driver command may take before the driver is restarted.
DRIVER_TIMEOUT = 120.0
#: Jupyter refuses to run as root without this (containers, CI).
ROOT_FLAG = ["--allow-root"] if os.geteuid() == 0 else []
FPS_SECONDS = 5
#: Seconds the animation runs before the window opens (it maps, the stream settles).
ANIM_WARMUP = 1.5

T = TypeVar("T")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def now_ms() -> float:
    return time.time() * 1000.0


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"(no {path.name})"
    return "\n    ".join(text) or "(empty)"


# ---------------------------------------------------------------- preparation
def ensure_novnc() -> Path:
    """noVNC from the repo's node_modules, else installed with npm into the cache."""
    for root in (
        REPO / "node_modules",
        REPO / "packages/desktop/node_modules",
        CACHE / "node_modules",
    ):
        pkg = root / "@novnc/novnc/package.json"
        if pkg.exists() and json.loads(pkg.read_text())["version"] == NOVNC_VERSION:
            return pkg.parent
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"installing @novnc/novnc@{NOVNC_VERSION} into {CACHE}")
    subprocess.run(
        [
            "npm",
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(CACHE),
            f"@novnc/novnc@{NOVNC_VERSION}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return CACHE / "node_modules/@novnc/novnc"


def ensure_anim() -> Path:
    """Compile the full-screen animation (needs cc and libx11-dev)."""
    binary = CACHE / "anim"
    source = HERE / "anim.c"
    if not binary.exists() or binary.stat().st_mtime < source.stat().st_mtime:
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["cc", "-O2", "-o", str(binary), str(source), "-lX11"], check=True
        )
    return binary


def ensure_jrdp() -> Path:
    """A separate venv with jupyter-remote-desktop-proxy (the anchor) and JupyterLab."""
    python = JRDP_VENV / "bin/python"
    code = (
        "import importlib.metadata as m; "
        "print(m.version('jupyter-remote-desktop-proxy'), m.version('jupyterlab'))"
    )
    if python.exists():
        found = subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, check=False
        )
        if found.returncode == 0 and found.stdout.split()[0] == JRDP_VERSION:
            return python
    log(f"installing jupyter-remote-desktop-proxy=={JRDP_VERSION} into {JRDP_VENV}")
    subprocess.run([sys.executable, "-m", "venv", str(JRDP_VENV)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            f"jupyter-remote-desktop-proxy=={JRDP_VERSION}",
            "jupyter-server",
            "jupyterlab>=4.4,<5",
        ],
        check=True,
    )
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_page(novnc: Path, workdir: Path) -> tuple[ThreadingHTTPServer, str]:
    """Serve page.html and noVNC on 127.0.0.1 (a thread of this process)."""
    www = workdir / "www"
    www.mkdir()
    (www / "page.html").symlink_to(HERE / "page.html")
    (www / "novnc").symlink_to(novnc)
    handler = functools.partial(_QuietHandler, directory=str(www))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/page.html"


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
    }

    def log_message(self, *args: Any) -> None:
        pass


# ---------------------------------------------------------------- processes
class Procs:
    """Processes started by the benchmark; stopped by their process group, nothing else."""

    def __init__(self) -> None:
        self.items: list[subprocess.Popen[bytes]] = []

    def start(
        self, argv: list[str], log_path: Path, **kwargs: Any
    ) -> subprocess.Popen[bytes]:
        with open(log_path, "wb") as handle:  # the child keeps its own descriptor
            proc = subprocess.Popen(
                argv,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                **kwargs,
            )
        self.items.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 15)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
                proc.wait()
        with contextlib.suppress(ValueError):
            self.items.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.items)):
            self.stop(proc)


def http(method: str, url: str, token: str, timeout: float = 60.0) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        method=method,
        data=b"" if method == "POST" else None,
        headers={"Authorization": f"token {token}"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        answer: dict[str, Any] = json.loads(resp.read() or b"{}")
        return answer


def wait_http(url: str, token: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            http("GET", url, token, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wait_file(path: Path, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.05)
    return path.read_text().strip()


def wait_banner(path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1)
                sock.connect(path)
                if sock.recv(12).startswith(b"RFB "):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"no RFB banner on {path}")
        time.sleep(0.005)


def cmdline(pid: int) -> list[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        return [part.decode() for part in handle.read().split(b"\0") if part]


def find_xvnc(root: int) -> int | None:
    """The Xvnc process under ``root``."""
    for pid in costs.tree(root):
        with contextlib.suppress(OSError, IndexError):
            if os.path.basename(cmdline(pid)[0]) in {"Xvnc", "Xtigervnc"}:
                return pid
    return None


class Browser:
    """The Node/Playwright driver (driver.mjs) speaking JSON lines; restarted when it dies."""

    def __init__(self, page: str, log_path: Path) -> None:
        self.page = page
        self.log_path = log_path
        self.proc: subprocess.Popen[str] | None = None
        self.start()

    def start(self) -> None:
        with open(self.log_path, "ab") as errors:
            self.proc = subprocess.Popen(
                ["node", str(HERE / "driver.mjs")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                start_new_session=True,
            )
        self.call({"cmd": "open", "page": self.page})

    def restart(self) -> None:
        log("restarting the browser driver")
        self.kill()
        self.start()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 9)
            self.proc.wait()

    def stderr_tail(self) -> str:
        return tail(self.log_path)

    def call(
        self, msg: dict[str, Any], timeout: float = DRIVER_TIMEOUT
    ) -> dict[str, Any]:
        proc = self.proc
        assert proc and proc.stdin and proc.stdout
        if proc.poll() is not None:
            raise RuntimeError(f"the browser driver exited (code {proc.returncode})")
        proc.stdin.write(json.dumps(msg) + "\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            self.kill()
            raise TimeoutError(
                f"{msg['cmd']}: no answer from the browser driver in {timeout:g} s"
            )
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the browser driver exited")
        answer: dict[str, Any] = json.loads(line)
        if not answer.get("ok"):
            raise RuntimeError(f"{msg['cmd']}: {answer.get('error')}")
        return answer

    def connect(self, url: str, retries: int = 1) -> dict[str, Any]:
        return self.call({"cmd": "connect", "url": url, "retries": retries})

    def disconnect(self) -> None:
        self.call({"cmd": "disconnect"})

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call({"cmd": "quit"}, timeout=10)
        if self.proc:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class Bench:
    """Shared state: processes, the browser, the figures and the failures."""

    def __init__(self, workdir: Path, browser: Browser, anim: Path) -> None:
        self.workdir = workdir
        self.browser = browser
        self.anim = anim
        self.procs = Procs()
        self.failures: list[str] = []

    def attempt(self, what: str, job: Callable[[], T], tries: int = TRIES) -> T | None:
        """``job()``, retried; ``None`` (and a recorded failure) when every try failed."""
        for number in range(1, tries + 1):
            try:
                return job()
            except Exception as err:  # noqa: BLE001  # every failure is shown, then retried
                log(f"{what}: try {number}/{tries} failed: {type(err).__name__}: {err}")
                log(
                    f"  browser driver stderr (tail):\n    {self.browser.stderr_tail()}"
                )
                if self.browser.proc is None or self.browser.proc.poll() is not None:
                    with contextlib.suppress(Exception):
                        self.browser.restart()
                else:
                    with contextlib.suppress(Exception):
                        self.browser.disconnect()
                time.sleep(1.0)
        self.failures.append(what)
        return None

    def click(self, mode: str, url: str) -> dict[str, Any]:
        """One click-level run (click.mjs in its own browser)."""
        err_path = self.workdir / f"click-{mode}.log"
        with open(err_path, "ab") as errors:
            out = subprocess.run(
                ["node", str(HERE / "click.mjs"), mode, url],
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                timeout=240,
                start_new_session=True,
                check=False,
            )
        if out.returncode != 0 or not out.stdout.strip():
            raise RuntimeError(
                f"click.mjs exited {out.returncode}; its stderr (tail):\n    {tail(err_path)}"
            )
        result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        return result


def x_env(info: str) -> dict[str, str]:
    display, xauthority = info.split()
    return {**os.environ, "DISPLAY": display, "XAUTHORITY": xauthority}


def fps_row(
    bench: Bench, url: str, env: dict[str, str], name: str, watch: dict[str, int]
) -> dict[str, Any]:
    """The animation on the desktop at ``url``: frames painted, share delivered, WebSocket
    message sizes and the CPU of the processes in ``watch`` during the window."""
    browser = bench.browser
    browser.connect(url)
    log_path = bench.workdir / f"anim-{name}.log"
    animation = bench.procs.start([str(bench.anim)], log_path, env=env)
    try:
        time.sleep(ANIM_WARMUP)
        watch = {**watch, "anim": animation.pid}
        # Each process tree (websockify serves each connection from a forked child).
        trees = {key: costs.tree(pid) for key, pid in watch.items()}
        before = {key: sum(map(costs.cpu_ticks, pids)) for key, pids in trees.items()}
        window = browser.call({"cmd": "fps", "seconds": FPS_SECONDS})
        cpu = {
            key: (sum(map(costs.cpu_ticks, pids)) - before[key])
            / costs.TICK
            / FPS_SECONDS
            * 100
            for key, pids in trees.items()
        }
    finally:
        bench.procs.stop(animation)
        browser.disconnect()
    text = log_path.read_text()
    stamps = [
        float(line.split()[1])
        for line in text.splitlines()
        if line.startswith("frame ")
    ]
    size = next(
        (line.split()[1] for line in text.splitlines() if line.startswith("size")), None
    )
    if size != GEOMETRY:
        raise RuntimeError(f"the animation ran at {size}, not {GEOMETRY}")
    drawn = sum(1 for t in stamps if window["start"] <= t < window["end"])
    if not drawn:
        raise RuntimeError("the animation drew no frame inside the window")
    seconds = (window["end"] - window["start"]) / 1000.0
    return {
        "fps": window["frames"] / seconds,
        "drawn_fps": drawn / seconds,
        "share": window["frames"] / drawn,
        "ws_messages": window["messages"],
        "ws_kib_per_message": window["bytes"] / 1024 / max(1, window["messages"]),
        "mbit_s": window["bytes"] * 8 / 1e6 / seconds,
        "cpu_percent": cpu,
    }


def session_rows(
    bench: Bench, url: str, env: dict[str, str], name: str, watch: dict[str, int]
) -> dict[str, Any]:
    """Warm open, key latency and the animation on an already running desktop."""
    browser = bench.browser
    out: dict[str, Any] = {}

    def warm() -> float:
        with contextlib.suppress(Exception):
            browser.disconnect()
        opened = browser.connect(url)
        browser.disconnect()
        return float(opened["painted"] - opened["started"])

    def key() -> dict[str, Any]:
        browser.connect(url)
        try:
            return browser.call({"cmd": "key", "n": KEY_PRESSES})
        finally:
            browser.disconnect()

    out["warm_ms"] = bench.attempt(f"{name}: warm open", warm)
    keys = bench.attempt(f"{name}: key → update", key)
    if keys:
        out["key_ms"], out["key_samples_ms"] = keys["median"], keys["samples"]
    motion = bench.attempt(
        f"{name}: 1080p animation", lambda: fps_row(bench, url, env, name, watch)
    )
    if motion:
        out.update(motion)
    return out


# ---------------------------------------------------------------- ours
class Ours:
    """Our desktop under ``jupyter lab`` (the extension as users get it)."""

    def __init__(
        self, bench: Bench, label: str = "ours", activity: str | None = None
    ) -> None:
        self.bench = bench
        self.label = label
        workdir = bench.workdir
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.runtime = workdir / f"{label}-rt"
        self.runtime.mkdir()
        config = workdir / f"{label}_config.py"
        config.write_text(
            "c.ServerApp.jpserver_extensions = {'jupyter_workbench': True}\n"
            f"c.WorkbenchApp.runtime_dir = {str(self.runtime)!r}\n"
            "c.WorkbenchApp.disabled_backends = ['vscode', 'rstudio']\n"
            "c.GPUMonitor.source = 'none'\n"
            f"c.LabApp.workspaces_dir = {str(workdir / (label + '-ws'))!r}\n"
            "c.WorkbenchDesktop.profiles = [{'name': 'desktop', 'geometry': "
            f"{GEOMETRY!r}, 'session': [{str(SESSION)!r}]}}]\n"
            + (f"c.WorkbenchDesktop.activity = {activity!r}\n" if activity else "")
        )
        self.info = workdir / f"{label}-session"
        env = {
            **os.environ,
            "BENCH_SESSION_INFO": str(self.info),
            "JUPYTER_RUNTIME_DIR": str(workdir / f"{label}-jrt"),
        }
        self.server = bench.procs.start(
            [
                str(REPO / ".venv/bin/python"),
                "-m",
                "jupyterlab",
                f"--config={config}",
                f"--port={self.port}",
                "--ServerApp.ip=127.0.0.1",
                "--no-browser",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={workdir}",
                *ROOT_FLAG,
            ],
            workdir / f"{label}-server.log",
            env=env,
        )
        self.base = f"http://127.0.0.1:{self.port}/"
        self.api = self.base + "workbench/api/backends/desktop"
        self.ws = f"ws://127.0.0.1:{self.port}/desktop/?token={self.token}"
        wait_http(self.base + "api/status", self.token)
        http(
            "GET", self.base + "workbench/api/backends", self.token
        )  # detection, as in Lab

    def stop_desktop(self) -> None:
        http("POST", self.api + "/stop", self.token)
        self.info.unlink(missing_ok=True)
        time.sleep(1.0)

    def start_desktop(self) -> dict[str, Any]:
        return http("POST", self.api + "/start", self.token)

    def cold(self) -> tuple[float, float]:
        """(start request → first frame painted, of which POST start) in ms."""
        self.stop_desktop()
        t0 = now_ms()
        self.start_desktop()
        api = now_ms() - t0
        try:
            cold = self.bench.browser.connect(self.ws)
        finally:
            with contextlib.suppress(Exception):
                self.bench.browser.disconnect()
        return cold["painted"] - t0, api

    def click(self, run: int) -> dict[str, Any]:
        self.stop_desktop()
        url = f"{self.base}lab/workspaces/click{run}-{secrets.token_hex(3)}?reset&token={self.token}"
        return self.bench.click("ours", url)

    def xvnc(self) -> int:
        status = http("GET", self.api, self.token)
        pid = find_xvnc(int(status["pid"]))
        if pid is None:
            raise RuntimeError("no Xvnc under our desktop")
        return pid

    def socket(self) -> str:
        return str(next(self.runtime.glob("jupyter-workbench-*/desktop/sock")))

    def ready_env(self) -> dict[str, str]:
        """Start the desktop (if needed) and wait for its session; its X environment."""
        self.start_desktop()
        env = x_env(wait_file(self.info))
        time.sleep(1.0)  # the xterm maps 0.5 s into the session
        return env


def click_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median click → frame, and the noVNC chunk: fetched lazily? how large?"""
    out: dict[str, Any] = {"click_runs_ms": [r["ms"] for r in runs]}
    out["click_ms"] = statistics.median(out["click_runs_ms"])
    last = runs[-1]
    at_load = [f for f in last["load"] if f.get("novnc")]
    after = [f for f in last["after"] if f.get("novnc")]
    out["novnc_at_load"] = [f["url"].rsplit("/", 1)[-1] for f in at_load]
    out["novnc_after_click"] = [
        {"file": f["url"].rsplit("/", 1)[-1], "bytes": f["size"]} for f in after
    ]
    out["js_at_load_bytes"] = sum(
        f["size"] or 0 for f in last["load"] if f["type"] == "script"
    )
    out["js_after_click_bytes"] = sum(
        f["size"] or 0 for f in last["after"] if f["type"] == "script"
    )
    return out


def bench_ours(bench: Bench) -> tuple[dict[str, Any], Ours]:
    ours = Ours(bench)
    result: dict[str, Any] = {}
    colds = [
        bench.attempt(f"ours: cold start {run + 1}", ours.cold)
        for run in range(COLD_RUNS)
    ]
    done = [c for c in colds if c]
    if done:
        result["cold_runs_ms"] = [c[0] for c in done]
        result["cold_ms"] = statistics.median(result["cold_runs_ms"])
        result["cold_api_ms"] = statistics.median(c[1] for c in done)
    clicks = [
        bench.attempt(
            f"ours: click → frame {run + 1}", functools.partial(ours.click, run)
        )
        for run in range(CLICK_RUNS)
    ]
    if any(clicks):
        result.update(click_summary([c for c in clicks if c]))
        if result["novnc_at_load"] or not result["novnc_after_click"]:
            log("ours: the noVNC chunk was NOT fetched lazily (see novnc_at_load)")
            bench.failures.append("ours: noVNC chunk not lazy")
    # The viewer resized the screen to its tab (scaling "remote"): a fresh desktop.
    ours.stop_desktop()
    env = ours.ready_env()
    result["xvnc_argv"] = cmdline(ours.xvnc())
    watch = {"proxy (jupyter lab)": ours.server.pid, "Xvnc": ours.xvnc()}
    result.update(session_rows(bench, ours.ws, env, "ours", watch))
    result["_env"] = env
    return result, ours


# ---------------------------------------------------------------- direct
def bench_direct(bench: Bench, ours: Ours, env: dict[str, str]) -> dict[str, Any]:
    """websockify in front of our running Xvnc; cold start with a hand-spawned Xvnc."""
    procs, workdir = bench.procs, bench.workdir
    port = free_port()
    ws = procs.start(
        ["websockify", "--unix-target", ours.socket(), f"127.0.0.1:{port}"],
        workdir / "websockify.log",
    )
    time.sleep(0.8)
    url = f"ws://127.0.0.1:{port}/"
    xvnc_argv = cmdline(ours.xvnc())
    watch = {"proxy (websockify)": ws.pid, "Xvnc": ours.xvnc()}
    result = session_rows(bench, url, env, "direct", watch)
    procs.stop(ws)
    colds = [
        bench.attempt(
            f"direct: cold start {run + 1}",
            functools.partial(cold_direct, bench, xvnc_argv, run),
        )
        for run in range(COLD_RUNS)
    ]
    done = [c for c in colds if c is not None]
    if done:
        result["cold_runs_ms"] = done
        result["cold_ms"] = statistics.median(done)
    return result


def bare_xvnc_argv(ours_argv: list[str], sock: str) -> list[str]:
    """Our Xvnc's command line for a bare Xvnc: its socket, no -auth/-displayfd."""
    argv, skip = ["Xvnc"], False
    for index, arg in enumerate(ours_argv[1:], 1):
        if skip:
            skip = False
            continue
        if arg in {"-auth", "-displayfd"}:
            skip = True
            continue
        if ours_argv[index - 1] == "-rfbunixpath":
            arg = sock
        argv.append(arg)
    return argv


def cold_direct(bench: Bench, xvnc_argv: list[str], run: int) -> float:
    """Spawn a bare Xvnc (our flags) + the session; connect as soon as it greets."""
    procs, workdir, browser = bench.procs, bench.workdir, bench.browser
    cold_dir = Path(tempfile.mkdtemp(prefix="wb-direct-", dir=workdir))
    cold_sock = str(cold_dir / "sock")
    port = free_port()
    ws = procs.start(
        ["websockify", "--unix-target", cold_sock, f"127.0.0.1:{port}"],
        workdir / f"websockify-cold{run}.log",
    )
    time.sleep(0.8)
    read_fd, write_fd = os.pipe()
    t0 = now_ms()
    xvnc = procs.start(
        [*bare_xvnc_argv(xvnc_argv, cold_sock), "-displayfd", str(write_fd)],
        workdir / f"xvnc-direct{run}.log",
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    session = None
    try:
        wait_banner(cold_sock)
        display = os.read(read_fd, 16).decode().strip()
        session = procs.start(
            [str(SESSION)],
            workdir / f"session-direct{run}.log",
            env={**os.environ, "DISPLAY": f":{display}"},
        )
        cold = browser.connect(f"ws://127.0.0.1:{port}/")
        browser.disconnect()
    finally:
        os.close(read_fd)
        for proc in (session, xvnc, ws):
            if proc is not None:
                procs.stop(proc)
        time.sleep(1.0)
    return float(cold["painted"] - t0)


# ---------------------------------------------------------------- JRDP
class Jrdp:
    """jupyter-remote-desktop-proxy under ``jupyter lab`` in its venv; one desktop per server."""

    def __init__(self, bench: Bench, python: Path, run: int) -> None:
        self.bench = bench
        workdir = bench.workdir
        self.info = workdir / "jrdp-session"
        self.info.unlink(missing_ok=True)
        env = {
            **os.environ,
            "BENCH_SESSION_INFO": str(self.info),
            "JUPYTER_REMOTE_DESKTOP_PROXY_XSTARTUP": str(SESSION),
            "JUPYTER_RUNTIME_DIR": str(workdir / "jrdp-jrt"),
        }
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.server = bench.procs.start(
            [
                str(python),
                "-m",
                "jupyterlab",
                f"--port={self.port}",
                "--ServerApp.ip=127.0.0.1",
                "--no-browser",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={workdir}",
                f"--LabApp.workspaces_dir={workdir / 'jrdp-ws'}",
                *ROOT_FLAG,
            ],
            workdir / f"jrdp-server{run}.log",
            env=env,
            cwd=str(workdir),
        )
        self.base = f"http://127.0.0.1:{self.port}/"
        self.ws = f"ws://127.0.0.1:{self.port}/desktop-websockify/?token={self.token}"
        wait_http(self.base + "api/status", self.token)

    def stop(self) -> None:
        self.bench.procs.stop(self.server, grace=15)
        time.sleep(1.0)


def bench_jrdp(bench: Bench) -> dict[str, Any]:
    python = ensure_jrdp()
    browser = bench.browser
    result: dict[str, Any] = {}

    def cold(run: int) -> tuple[float, int]:
        jrdp = Jrdp(bench, python, run)
        try:
            t0 = now_ms()
            opened = browser.connect(jrdp.ws, retries=5)  # its page retries too
            browser.disconnect()
            return opened["painted"] - t0, int(opened["attempts"])
        finally:
            jrdp.stop()

    def click(run: int) -> dict[str, Any]:
        jrdp = Jrdp(bench, python, 10 + run)
        try:
            url = f"{jrdp.base}lab/workspaces/click{run}?reset&token={jrdp.token}"
            return bench.click("jrdp", url)
        finally:
            jrdp.stop()

    colds = [
        bench.attempt(f"JRDP: cold start {run + 1}", functools.partial(cold, run))
        for run in range(COLD_RUNS)
    ]
    done = [c for c in colds if c]
    if done:
        result["cold_runs_ms"] = [c[0] for c in done]
        result["cold_ms"] = statistics.median(result["cold_runs_ms"])
        result["cold_attempts"] = max(c[1] for c in done)
    clicks = [
        bench.attempt(f"JRDP: click → frame {run + 1}", functools.partial(click, run))
        for run in range(CLICK_RUNS)
    ]
    if any(clicks):
        result.update(click_summary([c for c in clicks if c]))

    def running() -> tuple[Jrdp, dict[str, str]]:
        jrdp = Jrdp(bench, python, 99)
        browser.connect(jrdp.ws, retries=5)
        browser.disconnect()
        env = x_env(wait_file(jrdp.info))
        # JRDP hard-codes 1680x1050: resize its screen to the benchmark's 1920x1080.
        subprocess.run(
            ["xrandr", "--fb", GEOMETRY],
            env=env,
            capture_output=True,
            timeout=10,
            check=False,
        )
        time.sleep(1.0)
        return jrdp, env

    started = bench.attempt("JRDP: start a desktop for the warm rows", running)
    if started:
        jrdp, env = started
        xvnc = find_xvnc(jrdp.server.pid)
        if xvnc:
            result["xvnc_argv"] = cmdline(xvnc)
        watch = {
            "proxy (jupyter lab)": jrdp.server.pid,
            **({"Xvnc": xvnc} if xvnc else {}),
        }
        result.update(session_rows(bench, jrdp.ws, env, "jrdp", watch))
        jrdp.stop()
    return result


# ---------------------------------------------------------------- motion diagnosis
def motion_rounds(
    bench: Bench, ours: Ours, env: dict[str, str], rounds: int
) -> dict[str, Any]:
    """Interleaved animation rounds: ours (input inspection), ours without it, direct."""
    plain = Ours(bench, "ours-all", activity="all")
    plain_env = plain.ready_env()
    port = free_port()
    ws = bench.procs.start(
        ["websockify", "--unix-target", ours.socket(), f"127.0.0.1:{port}"],
        bench.workdir / "websockify-motion.log",
    )
    time.sleep(0.8)
    paths = {
        "ours (activity=input)": (ours.ws, env, {"proxy": ours.server.pid}),
        "ours (activity=all)": (plain.ws, plain_env, {"proxy": plain.server.pid}),
        "direct": (f"ws://127.0.0.1:{port}/", env, {"proxy": ws.pid}),
    }
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in paths}
    for number in range(rounds):
        for name, (url, path_env, watch) in paths.items():
            row = bench.attempt(
                f"motion round {number + 1}: {name}",
                functools.partial(fps_row, bench, url, path_env, "motion", watch),
            )
            if row:
                out[name].append(row)
    bench.procs.stop(ws)
    bench.procs.stop(plain.server)
    return out


# ---------------------------------------------------------------- report
ROWS = (
    (
        "cold_ms",
        "cold start, protocol (request → frame)",
        "ms",
        ("ours", "direct", "jrdp"),
    ),
    ("click_ms", "click on tile → first frame painted", "ms", ("ours", "jrdp")),
    ("warm_ms", "warm open (connect → frame)", "ms", ("ours", "direct", "jrdp")),
    ("key_ms", "key → update painted (median)", "ms", ("ours", "direct", "jrdp")),
    ("fps", "1080p animation, frames painted", "fps", ("ours", "direct", "jrdp")),
    ("share", "  share of drawn frames delivered", "", ("ours", "direct", "jrdp")),
)


def missing_cells(results: dict[str, dict[str, Any]]) -> list[str]:
    return [
        f"{path}: {label.strip()}"
        for key, label, _, paths in ROWS
        for path in paths
        if not isinstance(results.get(path, {}).get(key), (int, float))
    ]


def report(results: dict[str, dict[str, Any]]) -> None:
    ours, direct, jrdp = (results.get(k, {}) for k in ("ours", "direct", "jrdp"))
    load = os.getloadavg()
    print()
    print(
        f"Desktop benchmark — {os.cpu_count()} CPUs, load {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}, {xvnc_version()}, noVNC {NOVNC_VERSION}, {GEOMETRY}"
    )
    print(
        f"{'':42} {'ours':>9} {'direct':>9} {'JRDP':>9} {'ours/direct':>12} {'ours/JRDP':>10}"
    )
    for key, label, unit, paths in ROWS:
        cells = [d.get(key) for d in (ours, direct, jrdp)]
        text = []
        for path, value in zip(("ours", "direct", "jrdp"), cells):
            if isinstance(value, (int, float)):
                text.append(f"{value:9.2f}" if key == "share" else f"{value:9.1f}")
            else:
                text.append(f"{'MISSING' if path in paths else '—':>9}")
        r1, r2 = _ratio(cells[0], cells[1]), _ratio(cells[0], cells[2])
        title = f"{label} [{unit}]" if unit else label
        print(f"{title:42} {' '.join(text)} {r1:>12} {r2:>10}")
    if ours.get("cold_api_ms") is not None:
        print(
            f"  ours: POST start took {ours['cold_api_ms']:.0f} ms of the protocol cold start"
        )
    for name, data in (("ours", ours), ("direct", direct), ("JRDP", jrdp)):
        for key, what in (
            ("cold_runs_ms", "cold starts"),
            ("click_runs_ms", "click → frame"),
        ):
            if data.get(key):
                print(f"  {name}: {what} {', '.join(f'{v:.0f}' for v in data[key])} ms")
    if jrdp.get("cold_attempts", 1) > 1:
        print(
            f"  JRDP needed {jrdp['cold_attempts']} connection attempts on cold start"
        )
    if "novnc_after_click" in ours:
        lazy = not ours["novnc_at_load"] and ours["novnc_after_click"]
        chunks = ", ".join(
            f"{c['file']} ({c['bytes']} B)" for c in ours["novnc_after_click"]
        )
        print(
            f"  ours: noVNC chunk {'fetched lazily, after the click' if lazy else 'NOT lazy'}: "
            f"{chunks or 'none after the click'}"
            + (
                f"; at page load: {', '.join(ours['novnc_at_load'])}"
                if ours["novnc_at_load"]
                else ""
            )
        )
        print(
            f"  ours: JavaScript at page load {ours['js_at_load_bytes'] / 1024:.0f} KiB, "
            f"after the click {ours['js_after_click_bytes'] / 1024:.0f} KiB"
        )
    if "novnc_after_click" in jrdp:
        chunks = ", ".join(
            f"{c['file']} ({c['bytes']} B)" for c in jrdp["novnc_after_click"]
        )
        print(f"  JRDP: its page's noVNC: {chunks or '?'}")
    for name, data in (("ours", ours), ("direct", direct), ("JRDP", jrdp)):
        if data.get("drawn_fps") is not None:
            cpu = ", ".join(
                f"{k} {v:.0f} %" for k, v in data.get("cpu_percent", {}).items()
            )
            print(
                f"  {name}: animation drew {data['drawn_fps']:.1f} frames/s; "
                f"{data['ws_messages']} WebSocket messages of {data['ws_kib_per_message']:.0f} KiB "
                f"on average ({data['mbit_s']:.0f} Mbit/s); CPU during the window: {cpu}"
            )
    if ours.get("xvnc_argv") and jrdp.get("xvnc_argv"):
        a, b = flags(ours["xvnc_argv"]), flags(jrdp["xvnc_argv"])
        print(
            f"  Xvnc flags only ours/direct have: {' '.join(sorted(a - b)) or 'none'}"
        )
        print(f"  Xvnc flags only JRDP has: {' '.join(sorted(b - a)) or 'none'}")
    motion = results.get("motion")
    if motion:
        print("\nMotion rounds (interleaved; medians):")
        print(
            f"{'':26} {'fps':>6} {'share':>6} {'drawn':>6} {'KiB/msg':>8} {'proxy CPU %':>12}"
        )
        for name, rows in motion.items():
            if not rows:
                print(f"{name:26} MISSING")
                continue

            def med(key: str, rows: list[dict[str, Any]] = rows) -> float:
                return statistics.median(r[key] for r in rows)

            proxy = statistics.median(r["cpu_percent"]["proxy"] for r in rows)
            print(
                f"{name:26} {med('fps'):6.1f} {med('share'):6.2f} {med('drawn_fps'):6.1f} "
                f"{med('ws_kib_per_message'):8.0f} {proxy:12.0f}"
            )


def flags(argv: list[str]) -> set[str]:
    """An Xvnc command line's options with their values, paths left out."""
    out, index = set(), 1
    while index < len(argv):
        arg = argv[index]
        value = argv[index + 1] if index + 1 < len(argv) else ""
        if arg.startswith("-") and value and not value.startswith("-"):
            is_path = "/" in value or arg.lower() in {"-auth", "-displayfd", "-desktop"}
            out.add(arg if is_path else f"{arg} {value}")
            index += 2
        else:
            out.add(arg)
            index += 1
    return out


def _ratio(a: Any, b: Any) -> str:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return f"{a / b:.2f}"
    return "—"


def xvnc_version() -> str:
    out = subprocess.run(
        ["Xvnc", "-version"], capture_output=True, text=True, check=False
    )
    text = (out.stdout + out.stderr).strip().splitlines()
    return next((line.split(" - ")[0] for line in text if "Xvnc" in line), "Xvnc")


def warm_up(bench: Bench) -> None:
    """Start and stop one bare Xvnc + session so that no path pays for cold disk caches."""
    procs, workdir = bench.procs, bench.workdir
    read_fd, write_fd = os.pipe()
    sock = str(workdir / "warmup.sock")
    xvnc = procs.start(
        [
            "Xvnc",
            "-rfbunixpath",
            sock,
            "-rfbport",
            "-1",
            "-SecurityTypes",
            "None",
            "-geometry",
            GEOMETRY,
            "-nolisten",
            "tcp",
            "-displayfd",
            str(write_fd),
        ],
        workdir / "warmup.log",
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    wait_banner(sock)
    display = os.read(read_fd, 16).decode().strip()
    os.close(read_fd)
    session = procs.start(
        [str(SESSION)],
        workdir / "warmup-session.log",
        env={**os.environ, "DISPLAY": f":{display}"},
    )
    time.sleep(2.0)
    procs.stop(session)
    procs.stop(xvnc)


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Desktop benchmark (see the module docstring)"
    )
    parser.add_argument(
        "--motion", type=int, default=0, help="interleaved motion rounds"
    )
    parser.add_argument("--no-costs", action="store_true", help="skip bench/costs.py")
    parser.add_argument("--only", choices=("ours", "direct", "jrdp"), action="append")
    args = parser.parse_args()
    for tool in ("Xvnc", "openbox", "xterm", "websockify", "node", "cc", "xrandr"):
        if not shutil.which(tool):
            print(f"bench-desktop: {tool} is missing", file=sys.stderr)
            return 2
    novnc, anim = ensure_novnc(), ensure_anim()
    workdir = Path(tempfile.mkdtemp(prefix="wb-bench-desktop-"))
    os.chmod(workdir, 0o700)
    results: dict[str, dict[str, Any]] = {}
    server, page = serve_page(novnc, workdir)
    bench = Bench(workdir, Browser(page, workdir / "driver.log"), anim)
    only = set(args.only or ("ours", "direct", "jrdp"))
    try:
        log("warm-up …")
        warm_up(bench)
        if only & {"ours", "direct"} or args.motion:
            log("ours …")
            results["ours"], ours = bench_ours(bench)
            env = results["ours"].pop("_env")
            if "direct" in only:
                log("direct (websockify) …")
                results["direct"] = bench_direct(bench, ours, env)
            if args.motion:
                log(f"motion rounds ×{args.motion} …")
                results["motion"] = motion_rounds(bench, ours, env, args.motion)  # type: ignore[assignment]
            bench.procs.stop_all()
        if "jrdp" in only:
            log("jupyter-remote-desktop-proxy …")
            results["jrdp"] = bench_jrdp(bench)
    finally:
        bench.browser.close()
        bench.procs.stop_all()
        server.shutdown()
    report(results)
    missing = [m for m in missing_cells(results) if m.split(":")[0] in only]
    status = 0
    if missing or bench.failures:
        print("\nMISSING cells: " + ("; ".join(missing) or "none"))
        print("Failed measurements: " + ("; ".join(bench.failures) or "none"))
        status = 1 if missing else 0
    cost_results: dict[str, Any] = {}
    if not args.no_costs:
        log("per-session costs (bench/costs.py) …")
        cost_results, errors = costs.run_all(10.0)
        costs.report(cost_results, 10.0)
        for error in errors:
            print(f"  MISSING: {error}")
        status = status or (1 if errors else 0)
    out_dir = REPO / "bench/results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"desktop-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps({"desktop": results, "costs": costs.as_json(cost_results)}, indent=1)
    )
    print(f"\n(raw figures: {out}; logs: {workdir})")
    return status


if __name__ == "__main__":
    sys.exit(main())
