#!/usr/bin/env python3
"""GPU sampler benchmark: one shared sampler vs per-subscriber polling (printed figures).

1. Cost of one sample (parse/model/health) for the replay source and for the NVML path
   driven by the labelled pynvml double (tests/gpu/nvml_double.py) — median of many.
2. Server CPU at 1 Hz with 1, 50 and 200 WebSocket subscribers: a real `jupyter server`
   with the Workbench replaying a real capture, CPU time of that process over a window —
   against, in the same run, a per-subscriber polling loop (each subscriber sampling the
   same source at 1 Hz in its own thread, as jupyterlab-nvdashboard does per chart).
3. JavaScript of the gpu labextension that headless Chromium fetches at JupyterLab start,
   and what it fetches when the panel opens (bench/gpu/loads.mjs).

Usage: python bench/gpu/run.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "server-ext"))
#: A real capture (an H100 in MIG mode) from the test fixtures; see their SOURCES.md.
CAPTURE = (
    REPO
    / "server-ext/tests/fixtures/gpu/nvidia-smi-captures"
    / "linux-x86_64__nvidia-h100-mig__590.48.01.txt"
)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as handle:
        fields = handle.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sample_costs() -> dict[str, float]:
    from jupyter_workbench.gpu.health import with_health
    from jupyter_workbench.gpu.model import snapshot_from_tree
    from jupyter_workbench.gpu.nvml import NvmlSource
    from jupyter_workbench.gpu.parse import parse_any
    from jupyter_workbench.gpu.sources import ReplaySource

    sys.path.insert(0, str(REPO / "server-ext"))
    from tests.gpu.nvml_double import NvmlDouble  # labelled test double

    replay = ReplaySource(str(CAPTURE))
    snapshot = snapshot_from_tree(parse_any(CAPTURE.read_text()), "file", 0)
    nvml = NvmlSource(NvmlDouble(snapshot))
    out = {}
    for name, source in (
        ("replay (parsed once)", replay),
        ("NVML path (double)", nvml),
    ):
        times = []
        for _ in range(300):
            start = time.perf_counter()
            with_health(source.sample())
            times.append(time.perf_counter() - start)
        out[name] = statistics.median(times) * 1000
    times = []
    text = CAPTURE.read_text()
    for _ in range(30):
        start = time.perf_counter()
        with_health(snapshot_from_tree(parse_any(text), "file", 0))
        times.append(time.perf_counter() - start)
    out["full nvidia-smi text parse"] = statistics.median(times) * 1000
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    config: Path, port: int, module: str = "jupyter_server"
) -> subprocess.Popen:
    """A real Jupyter server (or ``jupyterlab``) with the Workbench, replaying the capture."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            module,
            f"--config={config}",
            f"--port={port}",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def shared_sampler_cpu(subscribers: int, seconds: float) -> float:
    from tornado.websocket import websocket_connect

    port = free_port()
    workdir = tempfile.mkdtemp(prefix="wb-bench-gpu-")
    config = Path(workdir) / "cfg.py"
    config.write_text(
        "c.ServerApp.token = 'bench'\nc.ServerApp.allow_root = True\n"
        "c.ServerApp.jpserver_extensions = {'jupyter_workbench': True}\n"
        f"c.ServerApp.root_dir = {workdir!r}\n"
        "c.GPUMonitor.source = 'replay'\n"
        f"c.GPUMonitor.replay_file = {str(CAPTURE)!r}\nc.GPUMonitor.interval = 1.0\n"
    )
    proc = start_server(config, port)
    try:
        url = f"ws://127.0.0.1:{port}/workbench/api/gpu/stream?token=bench"
        for _ in range(200):
            try:
                first = await websocket_connect(url)
                break
            except OSError:
                await asyncio.sleep(0.1)
        clients = [first] + [
            await websocket_connect(url) for _ in range(subscribers - 1)
        ]

        async def drain(client):
            while await client.read_message() is not None:
                pass

        tasks = [asyncio.ensure_future(drain(c)) for c in clients]
        await asyncio.sleep(2)
        start = cpu_seconds(proc.pid)
        await asyncio.sleep(seconds)
        used = cpu_seconds(proc.pid) - start
        for client in clients:
            client.close()
        for task in tasks:
            task.cancel()
        return used / seconds * 100
    finally:
        proc.terminate()
        proc.wait(10)


def polling_cpu(subscribers: int, seconds: float) -> float:
    """Per-subscriber loops in this process: each samples the source itself at 1 Hz."""
    from jupyter_workbench.gpu.health import with_health
    from jupyter_workbench.gpu.sources import ReplaySource

    stop = threading.Event()

    def loop():
        source = ReplaySource(str(CAPTURE))
        while not stop.is_set():
            payload = json.dumps(with_health(source.sample()))
            del payload
            stop.wait(1.0)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(subscribers)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    start = time.process_time()
    time.sleep(seconds)
    used = time.process_time() - start
    stop.set()
    for thread in threads:
        thread.join()
    return used / seconds * 100


def labextension_js() -> dict[str, dict[str, int]]:
    """Files of the gpu labextension Chromium fetches at JupyterLab start, then for the panel.

    Measured in a real browser (bench/gpu/loads.mjs) against `jupyter lab` replaying the
    capture, so what is eager and what is lazy is what webpack really does.
    """
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="wb-bench-gpu-js-")
    config = Path(workdir) / "cfg.py"
    config.write_text(
        "c.ServerApp.token = 'bench'\nc.ServerApp.allow_root = True\n"
        f"c.ServerApp.root_dir = {workdir!r}\nc.LabApp.expose_app_in_browser = True\n"
        # A fresh workspace: a saved one could reopen the panel at start.
        f"c.LabApp.workspaces_dir = {workdir!r}\n"
        "c.GPUMonitor.source = 'replay'\n"
        f"c.GPUMonitor.replay_file = {str(CAPTURE)!r}\n"
    )
    proc = start_server(config, port, "jupyterlab")
    try:
        url = f"http://127.0.0.1:{port}/lab?token=bench"
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        out = subprocess.run(
            ["node", str(REPO / "bench/gpu/loads.mjs"), url],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print("== cost of one sample (median)")
    for name, ms in sample_costs().items():
        print(f"  {name:<32} {ms:8.3f} ms")
    print(f"\n== server CPU at 1 Hz over {args.seconds:g} s (% of one core)")
    print(
        f"  {'subscribers':>11}  {'shared sampler':>14}  {'per-subscriber polling':>22}  ratio"
    )
    for count in (1, 50, 200):
        shared = asyncio.run(shared_sampler_cpu(count, args.seconds))
        polling = polling_cpu(count, args.seconds)
        ratio = polling / shared if shared else float("inf")
        print(f"  {count:>11}  {shared:>13.2f}%  {polling:>21.2f}%  {ratio:5.1f}x")
    files = labextension_js()
    print(
        "\n== gpu labextension JavaScript fetched by Chromium (bytes; the build `make` made)"
    )
    for phase, label in (
        ("start", "at JupyterLab start"),
        ("panel", "when the panel opens"),
    ):
        js = {name: size for name, size in files[phase].items() if name.endswith(".js")}
        print(f"  {label}: {sum(js.values())} in {len(js)} files")
        for name, size in sorted(js.items(), key=lambda item: -item[1]):
            print(f"    {size:>8}  {name}")


if __name__ == "__main__":
    main()
