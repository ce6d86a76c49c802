#!/usr/bin/env python3
"""Start on intent benchmark (printed figures): the perceived cold start, without and with it.

Perceived cold start: from the click on a backend's launcher tile to the backend being
visible (the desktop: its first frame painted; VS Code: its workbench shown), the backend
stopped before every open. The pointer rests on the tile for ``--rest`` ms before the
click, as a user's does, in every row; what changes is the launcher setting
``startOnIntent``:

* **off** — the floor: the same clicks with the feature off (what the Workbench did
  before; the backend starts at the click);
* **on** — the backend starts when the pointer has rested ``intentDelay`` ms on the tile;
* **warm** — the backend already running at the click: what no pre-start can beat.

One JupyterLab with the Workbench (token-less, its own port and temp dirs); Debian's
Chromium through playwright (bench/intent/driver.mjs, bench/chromium.mjs). Every round
opens each backend in each mode in turn; a failed open is retried (its error printed).
Medians of ``--rounds``; exit status 1 when a row got no figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODES = ("off", "on", "warm")
TITLES = {
    "desktop": "desktop: click → first frame",
    "vscode": "VS Code: click → workbench",
}


def _ides_helpers():  # the IDE bench's server helpers (free_port, start_lab, wait_http, post)
    spec = importlib.util.spec_from_file_location(
        "bench_ides_run", REPO / "bench/ides/run.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_lab(port: int, root: str, extra: list[str], env: dict) -> subprocess.Popen:
    """JupyterLab with the Workbench (no token: the bench's own port on 127.0.0.1)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
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
        start_new_session=True,
    )


def post(url: str) -> None:
    """POST ``{}``; a refusal is printed (the timing that follows says what it cost)."""
    request = urllib.request.Request(url, data=b"{}", method="POST")
    try:
        urllib.request.urlopen(request, timeout=120).close()
    except OSError as err:
        print(f"  (POST {url}: {err})", file=sys.stderr)


def write_settings(settings_dir: Path, names: list[str], delay: int) -> None:
    """The launcher's user settings: start on intent for ``names`` (none: off)."""
    path = (
        settings_dir / "@jupyter-workbench" / "launcher" / "plugin.jupyterlab-settings"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"startOnIntent": names, "intentDelay": delay}))


def backend_state(base: str, name: str) -> str:
    with urllib.request.urlopen(
        f"{base}/workbench/api/backends/{name}", timeout=30
    ) as answer:
        return str(json.load(answer)["state"])


def wait_state(base: str, name: str, states: set[str], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    state = backend_state(base, name)
    while state not in states and time.monotonic() < deadline:
        time.sleep(0.2)
        state = backend_state(base, name)
    return state


def drive(lab_url: str, name: str, rest: int) -> float:
    """One open through the browser driver; its milliseconds (raises with its error)."""
    out = subprocess.run(
        ["node", str(Path(__file__).parent / "driver.mjs"), lab_url, name, str(rest)],
        capture_output=True,
        text=True,
        cwd=REPO / "ui-tests",
        timeout=300,
        check=False,
    )
    if out.returncode != 0:
        lines = (out.stderr.strip() or out.stdout.strip() or "no output").splitlines()
        error = next((line for line in lines if "Error" in line), lines[0])
        raise RuntimeError(error[:200])
    return float(json.loads(out.stdout.strip().splitlines()[-1])["ms"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--rest", type=int, default=500, help="pointer rest before the click (ms)"
    )
    parser.add_argument(
        "--delay", type=int, default=300, help="intentDelay setting (ms)"
    )
    parser.add_argument("--retries", type=int, default=3, help="attempts per open")
    parser.add_argument("--backends", default="desktop,vscode")
    args = parser.parse_args()
    ides = _ides_helpers()
    names = [name for name in args.backends.split(",") if name]
    env = {**os.environ, "PATH": f"{ides.TOOLS}:{ides.DOUBLES}:{os.environ['PATH']}"}
    root = Path(tempfile.mkdtemp(prefix="wb-bench-intent-"))
    settings_dir = root / ".settings"
    port = ides.free_port()
    lab = start_lab(
        port,
        str(root),
        [
            f"--LabApp.user_settings_dir={settings_dir}",
            "--WorkbenchApp.intent_timeout=60",
        ],
        env,
    )
    base = f"http://127.0.0.1:{port}"
    results: dict[tuple[str, str], list[float]] = {
        (n, m): [] for n in names for m in MODES
    }
    try:
        ides.wait_http(f"{base}/api/status")
        for round_no in range(1, args.rounds + 1):
            for name in names:
                for mode in MODES:
                    for attempt in range(1, args.retries + 1):
                        write_settings(
                            settings_dir, names if mode == "on" else [], args.delay
                        )
                        post(f"{base}/workbench/api/backends/{name}/stop")
                        if mode == "warm":
                            post(f"{base}/workbench/api/backends/{name}/start")
                        time.sleep(1)  # let the machine settle after the stop/start
                        try:
                            ms = drive(f"{base}/lab", name, args.rest)
                        except (RuntimeError, subprocess.TimeoutExpired) as err:
                            print(
                                f"  round {round_no} {name} {mode}, attempt {attempt}: {err}"
                            )
                            continue
                        results[(name, mode)].append(ms)
                        print(
                            f"  round {round_no} {name:8} {mode:4} {ms:8.0f} ms",
                            flush=True,
                        )
                        break
            for name in names:
                post(f"{base}/workbench/api/backends/{name}/stop")
    finally:
        lab.terminate()
        try:
            lab.wait(30)
        except subprocess.TimeoutExpired:
            lab.kill()
    return report(results, names, args)


def report(results: dict[tuple[str, str], list[float]], names: list[str], args) -> int:
    def med(name: str, mode: str) -> float:
        values = results[(name, mode)]
        return statistics.median(values) if values else math.nan

    try:
        load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    except OSError:
        load = "load average unknown"
    print(
        f"\n== perceived cold start, pointer rests {args.rest} ms on the tile before the "
        f"click (intentDelay {args.delay} ms); median of {args.rounds} "
        f"({os.cpu_count()} cores, {load})"
    )
    print(
        f"  {'':32} {'off (floor)':>12} {'on':>9} {'on/off':>7} {'warm':>9}  n off/on/warm"
    )
    for name in names:
        off, on, warm = med(name, "off"), med(name, "on"), med(name, "warm")
        counts = "/".join(str(len(results[(name, m)])) for m in MODES)
        print(
            f"  {TITLES.get(name, name + ': click → open'):32} {off:9.0f} ms {on:6.0f} ms"
            f" {on / off:7.2f} {warm:6.0f} ms  {counts}"
        )
    empty = [f"{n} {m}" for (n, m), values in results.items() if not values]
    if empty:
        print(f"  no figure for: {', '.join(empty)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
