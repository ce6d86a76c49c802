#!/usr/bin/env python3
"""IDE benchmark (printed figures): open → VS Code workbench visible, and → RStudio's page.

In one run, on the same code-server (installed by make into .tools/bin):
  * ours, by clicking the VS Code tile in JupyterLab (start, readiness, iframe);
  * ours, opening {base}/vscode/ directly in a browser tab (the proxy starts it);
  * jupyter-vscode-proxy 0.7 (+ jupyter-server-proxy) in its own venv, opening /vscode/;
  * ours, the RStudio tile against the labelled rserver test double.
Each is a cold start (the backend stopped before every round); medians of --rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools" / "bin"
DOUBLES = REPO / "server-ext" / "tests" / "ides" / "doubles"
JVP_VENV = Path(os.environ.get("JVP_VENV", "/tmp/jvp-venv"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def start_lab(
    python: str, port: int, root: str, extra: list[str], env: dict
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            python,
            "-m",
            "jupyterlab" if "jvp" not in python else "jupyter_server",
            f"--port={port}",
            "--no-browser",
            "--ServerApp.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.ip=127.0.0.1",
            *extra,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def drive(mode: str, url: str, name: str = "vscode") -> float:
    out = subprocess.run(
        ["node", str(Path(__file__).parent / "driver.mjs"), mode, url, name],
        capture_output=True,
        text=True,
        cwd=REPO / "ui-tests",
        timeout=300,
        check=False,
    )
    if out.returncode != 0:
        print(f"  {mode} {url}: failed ({out.stderr.strip().splitlines()[0][:120]})")
        return float("nan")
    return json.loads(out.stdout.strip().splitlines()[-1])["ms"]


def post(url: str) -> None:
    request = urllib.request.Request(url, data=b"{}", method="POST")
    try:
        urllib.request.urlopen(request, timeout=60)
    except OSError as err:  # e.g. 409 when not installed: the timing will say so
        print(f"  (POST {url}: {err})", file=sys.stderr)


def ensure_jvp_venv() -> str:
    python = JVP_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(JVP_VENV)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "jupyter-vscode-proxy==0.7",
                "jupyter-server-proxy>=4.6",
                "jupyter_server",
            ],
            check=True,
        )
    return str(python)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PATH": f"{TOOLS}:{DOUBLES}:{os.environ['PATH']}"}
    root = tempfile.mkdtemp(prefix="wb-bench-ides-")
    ours_port, jvp_port = free_port(), free_port()
    ours = start_lab(
        sys.executable,
        ours_port,
        root,
        ["--WorkbenchApp.disabled_backends=['desktop']"],
        env,
    )
    jvp_python = ensure_jvp_venv()
    jvp_env = {**env, "CODE_EXECUTABLE": "code-server"}
    jvp = start_lab(jvp_python, jvp_port, root, [], jvp_env)
    try:
        wait_http(f"http://127.0.0.1:{ours_port}/api/status")
        wait_http(f"http://127.0.0.1:{jvp_port}/api/status")
        base = f"http://127.0.0.1:{ours_port}"
        results: dict[str, list[float]] = {
            "tile": [],
            "ours": [],
            "jvp": [],
            "rstudio": [],
        }
        for _ in range(args.rounds):
            post(f"{base}/workbench/api/backends/vscode/stop")
            results["tile"].append(drive("tile", f"{base}/lab"))
            post(f"{base}/workbench/api/backends/vscode/stop")
            results["ours"].append(drive("page", f"{base}/vscode/?folder={root}"))
            post(f"{base}/workbench/api/backends/vscode/stop")
            subprocess.run(["pkill", "-f", f"code-server.*{jvp_port}"], check=False)
            results["jvp"].append(
                drive("page", f"http://127.0.0.1:{jvp_port}/vscode/?folder={root}")
            )
            subprocess.run(
                ["pkill", "-f", "code-server --auth none --disable-telemetry"],
                check=False,
            )
            post(f"{base}/workbench/api/backends/rstudio/stop")
            results["rstudio"].append(drive("tile", f"{base}/lab", "rstudio"))
            post(f"{base}/workbench/api/backends/rstudio/stop")
        med = {k: statistics.median(v) for k, v in results.items()}
        print(
            "== open → workbench visible (cold start, median of "
            f"{args.rounds}; machine: {os.cpu_count()} cores)"
        )
        print(f"  ours, VS Code tile → iframe                {med['tile']:8.0f} ms")
        print(f"  ours, /vscode/ in a browser tab            {med['ours']:8.0f} ms")
        print(f"  jupyter-vscode-proxy 0.7, /vscode/         {med['jvp']:8.0f} ms")
        print(
            f"  ratio ours/anchor (same path)              {med['ours'] / med['jvp']:8.2f}"
        )
        print(f"  ours, RStudio tile → page (test double)    {med['rstudio']:8.0f} ms")
    finally:
        for proc in (ours, jvp):
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
