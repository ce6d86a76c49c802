"""Soak: a real Jupyter server with the Workbench under steady load, measured (``make soak``).

Load, all on 127.0.0.1: the desktop (real Xvnc) and VS Code (code-server) running, 50 GPU
stream subscribers, a desktop viewer that reconnects (full RFB handshake) every 10 s, and
a poll of the REST API and of VS Code's page every 2 s. Every 5 s the server's RSS and
open file descriptors are sampled. At the end it prints the RSS slope (MiB/hour, a least
squares fit after the first fifth of the run), the fds at start, end and peak, the 5xx
count and the viewers that failed. Target: a flat RSS, stable fds, 0 5xx, 0 failures.

    SOAK_SECONDS=120 make soak         # a short run (default 600 s)
    python bench/soak/run.py [--gpu-capture FILE]   # replay another real nvidia-smi capture

The 50 GPU subscribers watch a replay of the real capture shipped in the package unless
``--gpu-capture`` names another.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "server-ext" / "tests" / "desktop"))
from desktop_helpers import RFBViewer  # the tests' RFB viewer

TOKEN = "soak"
SUBSCRIBERS = 50
VIEWER_PERIOD = 10.0
POLL_PERIOD = 2.0
SAMPLE_PERIOD = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def slope_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) samples, in MiB per hour."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return 0.0
    cov = sum((t - mean_t) * (v - mean_v) for t, v in samples)
    return cov / var * 3600


class Soak:
    def __init__(self, base: str, ws_base: str, pid: int, seconds: float) -> None:
        self.base = base
        self.ws_base = ws_base
        self.pid = pid
        self.seconds = seconds
        self.headers = {"Authorization": f"token {TOKEN}"}
        self.http = AsyncHTTPClient(force_instance=True)
        self.statuses: dict[int, int] = {}
        self.fivexx: list[str] = []
        self.viewers_ok = 0
        self.viewer_failures: list[str] = []
        self.messages = 0
        self.connected = 0
        self.samples: list[tuple[float, float, int]] = []
        self.stop = asyncio.Event()
        self.after = (0.0, 0)

    async def request(self, method: str, path: str, body: str | None = None) -> int:
        response = await self.http.fetch(
            HTTPRequest(
                self.base + path,
                method=method,
                body=body,
                headers=self.headers,
                request_timeout=120,
                follow_redirects=False,
            ),
            raise_error=False,
        )
        self.statuses[response.code] = self.statuses.get(response.code, 0) + 1
        if response.code >= 500:
            self.fivexx.append(
                f"{method} {path}: {response.code} {response.body[:200]!r}"
            )
        return response.code

    async def ws(self, path: str):
        return await websocket_connect(
            HTTPRequest(self.ws_base + path, headers=self.headers),
            max_message_size=1 << 26,
        )

    async def subscriber(self) -> None:
        conn = await self.ws("workbench/api/gpu/stream")
        self.connected += 1
        try:
            while not self.stop.is_set():
                message = await conn.read_message()
                if message is None:
                    return
                self.messages += 1
        finally:
            conn.close()

    async def viewer(self) -> None:
        while not self.stop.is_set():
            try:
                conn = await self.ws("desktop/")
                try:
                    await asyncio.wait_for(RFBViewer(conn).handshake(), 30)
                    self.viewers_ok += 1
                finally:
                    conn.close()
            except Exception as err:  # noqa: BLE001  (any viewer failure is a finding)
                self.viewer_failures.append(repr(err))
            await self.sleep(VIEWER_PERIOD)

    async def poller(self) -> None:
        while not self.stop.is_set():
            await self.request("GET", "workbench/api/backends")
            await self.request("GET", "workbench/api/backends/desktop")
            await self.request("GET", "vscode/")
            await self.sleep(POLL_PERIOD)

    async def sampler(self, started: float) -> None:
        while not self.stop.is_set():
            self.samples.append(
                (time.monotonic() - started, rss_mib(self.pid), open_fds(self.pid))
            )
            await self.sleep(SAMPLE_PERIOD)

    async def sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
        except TimeoutError:
            pass

    async def run(self) -> bool:
        for name in ("desktop", "vscode"):
            code = await self.request(
                "POST", f"workbench/api/backends/{name}/start", "{}"
            )
            print(f"start {name}: {code}", flush=True)
            if code != 200:
                return False
        tasks = [asyncio.ensure_future(self.subscriber()) for _ in range(SUBSCRIBERS)]
        for _ in range(300):  # the load is on once every subscriber is connected
            if self.connected == SUBSCRIBERS:
                break
            await asyncio.sleep(0.1)
        print(f"{self.connected} GPU subscribers connected", flush=True)
        started = time.monotonic()
        tasks += [
            asyncio.ensure_future(self.viewer()),
            asyncio.ensure_future(self.poller()),
            asyncio.ensure_future(self.sampler(started)),
        ]
        await self.sleep(self.seconds)
        self.stop.set()
        await asyncio.wait(tasks, timeout=30)
        await asyncio.sleep(3)  # the server handles the closes
        self.after = (rss_mib(self.pid), open_fds(self.pid))
        return True

    def report(self) -> dict:
        settled = [(t, rss) for t, rss, _ in self.samples if t >= self.seconds / 5]
        fds = [fd for _, _, fd in self.samples]
        return {
            "seconds": round(self.seconds),
            "rss_mib_start": round(self.samples[0][1], 1),
            "rss_mib_end": round(self.samples[-1][1], 1),
            "rss_mib_after_load": round(self.after[0], 1),
            "rss_slope_mib_per_hour": round(slope_per_hour(settled), 1),
            "fds_under_load_start": fds[0],
            "fds_under_load_end": fds[-1],
            "fds_under_load_peak": max(fds),
            "fds_after_load": self.after[1],
            "http_statuses": dict(sorted(self.statuses.items())),
            "5xx": len(self.fivexx),
            "viewer_handshakes_ok": self.viewers_ok,
            "viewer_failures": len(self.viewer_failures),
            "gpu_stream_messages": self.messages,
            "gpu_subscribers": SUBSCRIBERS,
        }


def start_server(workdir: Path, port: int, capture: str | None) -> subprocess.Popen:
    # No file: the real capture shipped in the package (GPUMonitor's replay default).
    gpu = {"source": "replay", "replay_file": capture or ""}
    config = workdir / "jupyter_server_config.json"
    config.write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": {"jupyter_workbench": True},
                    "allow_root": True,
                    "root_dir": str(workdir),
                    "ip": "127.0.0.1",
                    "port": port,
                    "port_retries": 0,
                    "open_browser": False,
                },
                "IdentityProvider": {"token": TOKEN},
                "WorkbenchApp": {"disabled_backends": ["rstudio"]},
                "GPUMonitor": {**gpu, "interval": 1.0},
            }
        )
    )
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(workdir / "cfg")}
    env["JUPYTER_RUNTIME_DIR"] = str(workdir / "jrt")
    env["PATH"] = (
        f"{REPO / '.tools' / 'bin'}{os.pathsep}{env['PATH']}"  # code-server (make)
    )
    return subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--config={config}"],
        stdout=open(workdir / "server.log", "wb"),  # closed with the process
        stderr=subprocess.STDOUT,
        env=env,
        cwd=workdir,
        start_new_session=True,
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--gpu-capture", default=os.environ.get("SOAK_GPU_CAPTURE") or None
    )
    args = parser.parse_args()
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    workdir = Path(tempfile.mkdtemp(prefix="wb-soak-"))
    port = free_port()
    proc = start_server(workdir, port, args.gpu_capture)
    base = f"http://127.0.0.1:{port}/"
    try:
        soak = Soak(base, f"ws://127.0.0.1:{port}/", proc.pid, seconds)
        for _ in range(300):
            try:
                if await soak.request("GET", "api/status") == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None:
                print((workdir / "server.log").read_text()[-3000:])
                return 1
            await asyncio.sleep(0.2)
        print(
            f"soak: {seconds:g} s against pid {proc.pid} (log {workdir}/server.log)",
            flush=True,
        )
        if not await soak.run():
            print("a backend did not start; see the log")
            return 1
        report = soak.report()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    log = (workdir / "server.log").read_text(errors="replace")
    report["tracebacks_in_log"] = log.count("Traceback (most recent call last)")
    for key, value in report.items():
        print(f"{key:>24}: {value}")
    for line in soak.fivexx[:5] + soak.viewer_failures[:5]:
        print("  ", line)
    ok = report["5xx"] == 0 and report["viewer_failures"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
