#!/usr/bin/env python3
"""IDE benchmark (printed figures, not a test): VS Code through Workbench next to its floor.

Paths, on the same code-server (installed by make into .tools/bin), browser and workspace:
  * ours: the VS Code tile in JupyterLab (start, readiness, iframe), and {base}/vscode/
    opened in a browser tab (the proxy starts it);
  * floor: the same code-server opened directly, no Jupyter in front, with the flags
    VSCodeBackend.launch_plan gives it (on 127.0.0.1:PORT instead of a unix socket);
  * anchor: jupyter-vscode-proxy 0.7 (+ jupyter-server-proxy) in its own venv, /vscode/;
  * ours with the backend WebSocket leg deflated as jupyter-server-proxy does it (A/B of
    the fix in core/proxy.py), for the warm opens and the idle cost;
  * ours, the RStudio tile against the labelled rserver test double.
Cold opens stop VS Code first; warm opens find it running (a fresh browser context, then
the same context's second open), with what the workbench's assets cost on the wire. Then
the idle cost per VS Code: memory and CPU of its process tree over --idle seconds.

Every measurement is tried --tries times; a failure prints its error and the driver's
stderr tail. The bench exits 1 if any row stays empty. It stops only what it started (by
process group and the descendants found in /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any  # Any: JSON from the driver and the API

sys.path.insert(0, str(Path(__file__).parent))
from procs import Started, cpu_seconds, memory_kib, tree

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools" / "bin"
DOUBLES = REPO / "server-ext" / "tests" / "ides" / "doubles"
HERE = Path(__file__).parent
JVP_VENV = Path(os.environ.get("JVP_VENV", "/tmp/jvp-venv"))
STDERR_TAIL = 25


class Failed(Exception):
    """A measurement that produced no figure (its message says why)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    raise Failed(f"{url} did not answer within {timeout:g} s")


def api(url: str, method: str = "GET") -> dict[str, Any]:
    data = b"{}" if method == "POST" else None
    request = urllib.request.Request(url, data=data, method=method)
    with urllib.request.urlopen(request, timeout=120) as response:
        result: dict[str, Any] = json.loads(response.read() or b"{}")
        return result


def tail(text: str, lines: int = STDERR_TAIL) -> str:
    kept = text.strip().splitlines()[-lines:]
    return "\n".join("      | " + line for line in kept) or "      | (empty)"


def drive(*args: str, timeout: float = 300) -> dict[str, Any]:
    """Run driver.mjs; its last stdout line (JSON), or Failed with its stderr tail."""
    argv = ["node", str(HERE / "driver.mjs"), *args]
    try:
        out = subprocess.run(
            argv, capture_output=True, text=True, cwd=REPO, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as err:
        stderr = (
            err.stderr.decode() if isinstance(err.stderr, bytes) else (err.stderr or "")
        )
        raise Failed(f"driver timed out after {timeout:g} s\n{tail(stderr)}") from err
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        raise Failed(f"driver exited {out.returncode}\n{tail(out.stderr + out.stdout)}")
    try:
        result: dict[str, Any] = json.loads(lines[-1])
    except ValueError as err:
        raise Failed(
            f"driver printed no JSON\n{tail(out.stdout + out.stderr)}"
        ) from err
    return result


def attempt(label: str, tries: int, measure: Callable[[], Any]) -> Any:
    """``measure()``, tried ``tries`` times; None (after printing why) if it never worked."""
    for number in range(1, tries + 1):
        try:
            return measure()
        except (
            Failed,
            OSError,
            subprocess.SubprocessError,
            ValueError,
            KeyError,
        ) as err:
            print(f"  ! {label}: try {number}/{tries} failed: {err}", flush=True)
    return None


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.started = Started()
        self.tmp = Path(tempfile.mkdtemp(prefix="wb-bench-ides-"))
        self.root = self.tmp / "workspace"
        self.root.mkdir()
        (self.root / "README.md").write_text("# bench workspace\n")
        (self.root / "main.py").write_text("print('hello')\n")
        self.env = {**os.environ, "PATH": f"{TOOLS}:{DOUBLES}:{os.environ['PATH']}"}
        self.logs: dict[str, Path] = {}

    # ------------------------------------------------------------------ servers
    def lab(
        self, label: str, launcher: list[str], extra: list[str], env: dict[str, str]
    ) -> str:
        """Start a Jupyter server (own session, log in tmp); its base URL once it answers."""
        port = free_port()
        log = self.tmp / f"{label}.log"
        self.logs[label] = log
        proc = self.started.popen(
            [
                *launcher,
                f"--port={port}",
                "--no-browser",
                "--ServerApp.token=",
                "--ServerApp.password=",
                "--ServerApp.disable_check_xsrf=True",
                "--ServerApp.allow_root=True",
                f"--ServerApp.root_dir={self.root}",
                "--ServerApp.ip=127.0.0.1",
                *extra,
            ],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{base}/api/status")
        except Failed as err:
            raise Failed(
                f"{label}: {err}\n{tail(log.read_text(errors='replace'))}"
            ) from err
        self.servers[label] = proc
        return base

    def ours_lab(self, label: str, deflate: bool) -> str:
        data = self.tmp / f"{label}-vscode"
        launcher = (
            [sys.executable, str(HERE / "lab_deflate.py")]
            if deflate
            else [sys.executable, "-m", "jupyterlab"]
        )
        return self.lab(
            label,
            launcher,
            [
                "--WorkbenchApp.disabled_backends=['desktop']",
                f"--VSCodeBackend.user_data_dir={data}/user-data",
                f"--VSCodeBackend.extensions_dir={data}/extensions",
            ],
            self.env,
        )

    def jvp_env(self) -> dict[str, str]:
        return {
            **self.env,
            "CODE_EXECUTABLE": "code-server",
            "CODE_WORKINGDIR": str(self.root),
            # code-server's user data and config for the anchor, not the user's
            "XDG_DATA_HOME": str(self.tmp / "jvp-data"),
            "XDG_CONFIG_HOME": str(self.tmp / "jvp-config"),
        }

    def floor_argv(self, port: int) -> tuple[list[str], dict[str, str]]:
        """code-server with VSCodeBackend.launch_plan's flags, on 127.0.0.1:port."""
        sys.path.insert(0, str(REPO / "server-ext"))
        from jupyter_workbench.core.backend import LaunchContext
        from jupyter_workbench.ides.vscode import VSCodeBackend

        data = self.tmp / "floor-vscode"
        backend = VSCodeBackend(
            user_data_dir=str(data / "user-data"),
            extensions_dir=str(data / "extensions"),
        )
        ctx = LaunchContext(
            name="vscode",
            socket_path=str(data / "run" / "vscode.sock"),
            socket_dir=str(data / "run"),
            base_url="/",
            url="/vscode/",
            root_dir=str(self.root),
        )
        old_path = os.environ["PATH"]
        os.environ["PATH"] = self.env["PATH"]
        try:
            plan = asyncio.run(backend.launch_plan(ctx))
        finally:
            os.environ["PATH"] = old_path
        argv: list[str] = []
        args = iter(plan.argv)
        for arg in args:
            if arg == "--socket":
                next(args)
                argv += ["--bind-addr", f"127.0.0.1:{port}"]
            elif arg in ("--socket-mode", "--abs-proxy-base-path"):
                next(args)  # no socket, and no proxy in front of the floor
            else:
                argv.append(arg)
        return argv, {**self.env, **plan.env}

    def floor_start(
        self, gate: bool
    ) -> tuple[subprocess.Popen[bytes], str, str | None]:
        """code-server for the floor, waiting on a FIFO if ``gate`` (the driver opens it)."""
        port = free_port()
        argv, env = self.floor_argv(port)
        self.floor_flags = " ".join(argv[1:])
        log = (self.tmp / "floor.log").open("ab")
        fifo = None
        if gate:
            fifo = str(self.tmp / f"gate-{port}")
            os.mkfifo(fifo, 0o600)
            script = 'read go < "$0" && exec "$@"'
            proc = self.started.popen(
                ["sh", "-c", script, fifo, *argv], env=env, stdout=log, stderr=log
            )
        else:
            proc = self.started.popen(argv, env=env, stdout=log, stderr=log)
        return proc, f"http://127.0.0.1:{port}", fifo

    # ----------------------------------------------------------------- measures
    def vscode_url(self, base: str) -> str:
        return f"{base}/vscode/?folder={self.root}"

    def stop_ours(self, base: str) -> None:
        api(f"{base}/workbench/api/backends/vscode/stop", "POST")

    def ours_pid(self, base: str) -> int:
        status = api(f"{base}/workbench/api/backends/vscode")
        if not status.get("pid"):
            raise Failed(
                f"VS Code is {status.get('state')}, no pid: {status.get('error')}"
            )
        return int(status["pid"])

    def cold_tile(self, base: str, name: str = "vscode") -> float:
        api(f"{base}/workbench/api/backends/{name}/stop", "POST")
        try:
            return float(drive("tile", f"{base}/lab", "--name", name)["ms"])
        finally:
            api(f"{base}/workbench/api/backends/{name}/stop", "POST")

    def cold_tab(self, base: str) -> float:
        self.stop_ours(base)
        return float(drive("page", self.vscode_url(base))["ms"])

    def cold_floor(self) -> float:
        proc, base, fifo = self.floor_start(gate=True)
        try:
            assert fifo is not None
            url = f"{base}/?folder={self.root}"
            return float(
                drive("page", url, "--gate", fifo, "--health", f"{base}/healthz")["ms"]
            )
        finally:
            self.started.stop(proc)

    def cold_jvp(self) -> float:
        # A fresh anchor server each round: its code-server starts on the first open.
        if "jvp" in self.servers:
            self.started.stop(self.servers.pop("jvp"))
        base = self.lab(
            "jvp", [self.jvp_python, "-m", "jupyter_server"], [], self.jvp_env()
        )
        try:
            return float(drive("page", self.vscode_url(base))["ms"])
        finally:
            self.started.stop(self.servers.pop("jvp"))

    def warm(self, label: str) -> dict[str, Any]:
        """Warm opens on ``label`` (VS Code running), with the Jupyter server's CPU time."""
        if label == "floor":
            proc, base, _ = self.floor_start(gate=False)
            try:
                wait_http(f"{base}/healthz")
                return drive("warm", f"{base}/?folder={self.root}")
            finally:
                self.started.stop(proc)
        base = self.bases[label]
        api(f"{base}/workbench/api/backends/vscode/start", "POST")
        server = tree(self.servers[label].pid)[:1]
        before = cpu_seconds(server)
        result = drive("warm", self.vscode_url(base))
        result["jupyter_cpu_s"] = cpu_seconds(server) - before
        return result

    def idle(self, label: str) -> dict[str, float]:
        """Memory and CPU of one VS Code with one idle browser tab, over --idle seconds."""
        floor = None
        if label == "floor":
            floor, base, _ = self.floor_start(gate=False)
            wait_http(f"{base}/healthz")
            url = f"{base}/?folder={self.root}"
            root_pid = floor.pid
            server: list[int] = []
        else:
            base = self.bases[label]
            url = self.vscode_url(base)
            api(f"{base}/workbench/api/backends/vscode/start", "POST")
            root_pid = self.ours_pid(base)
            server = tree(self.servers[label].pid)[:1]
        holder = subprocess.Popen(
            ["node", str(HERE / "driver.mjs"), "hold", url],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            assert holder.stdout is not None
            line = holder.stdout.readline()
            if '"ready"' not in line:
                holder.kill()
                _, err = holder.communicate(timeout=30)
                raise Failed(f"driver did not open VS Code\n{tail(line + err)}")
            time.sleep(self.args.settle)
            pids = tree(root_pid)
            cpu0, srv0, t0 = cpu_seconds(pids), cpu_seconds(server), time.monotonic()
            time.sleep(self.args.idle)
            pids = tree(root_pid)
            cpu1, srv1, t1 = cpu_seconds(pids), cpu_seconds(server), time.monotonic()
            rss, pss = memory_kib(pids)
            return {
                "processes": len(pids),
                "rss_mib": rss / 1024,
                "pss_mib": pss / 1024,
                "cpu_pct": 100 * (cpu1 - cpu0) / (t1 - t0),
                "jupyter_cpu_pct": 100 * (srv1 - srv0) / (t1 - t0),
            }
        finally:
            if holder.poll() is None:
                assert holder.stdin is not None
                holder.stdin.close()
                try:
                    holder.wait(30)
                except subprocess.TimeoutExpired:
                    holder.kill()
            if floor is not None:
                self.started.stop(floor)

    # -------------------------------------------------------------------- run
    def run(self) -> int:
        args = self.args
        self.servers: dict[str, subprocess.Popen[bytes]] = {}
        self.bases: dict[str, str] = {}
        self.jvp_python = ensure_jvp_venv()
        self.bases["ours"] = self.ours_lab("ours", deflate=False)
        if args.ab:
            self.bases["deflate"] = self.ours_lab("deflate", deflate=True)
        rows: dict[str, list[float]] = {
            k: [] for k in ("tile", "tab", "floor", "jvp", "rstudio", "tab_deflate")
        }
        if not args.ab:
            del rows["tab_deflate"]
        tries = args.tries
        print(
            f"workspace {self.root}; logs in {self.tmp} (removed at the end unless --keep)"
        )
        # One untimed open per path: every cold round then starts a used profile.
        print("== priming (untimed)", flush=True)
        attempt("prime ours", tries, lambda: self.cold_tab(self.bases["ours"]))
        attempt("prime floor", tries, self.cold_floor)
        attempt("prime anchor", tries, self.cold_jvp)
        print(f"  floor flags: {getattr(self, 'floor_flags', '?')}", flush=True)
        for r in range(args.rounds):
            print(f"== cold round {r + 1}/{args.rounds}", flush=True)
            measures: list[tuple[str, Callable[[], float]]] = [
                ("tile", lambda: self.cold_tile(self.bases["ours"])),
                ("tab", lambda: self.cold_tab(self.bases["ours"])),
                ("floor", self.cold_floor),
                ("jvp", self.cold_jvp),
                ("rstudio", lambda: self.cold_tile(self.bases["ours"], "rstudio")),
            ]
            if args.ab:
                measures.insert(
                    2, ("tab_deflate", lambda: self.cold_tab(self.bases["deflate"]))
                )
            for key, measure in measures:
                value = attempt(key, tries, measure)
                if value is not None:
                    rows[key].append(value)
                    print(f"  {key:12s} {value:8.0f} ms", flush=True)
            for label in self.bases:
                self.stop_ours(self.bases[label])
        warm: dict[str, list[dict[str, Any]]] = {"ours": [], "floor": []}
        if args.ab:
            warm["deflate"] = []
        for r in range(args.rounds):
            print(f"== warm round {r + 1}/{args.rounds}", flush=True)
            for label, results in warm.items():
                result = attempt(
                    f"warm {label}", tries, lambda label=label: self.warm(label)
                )
                if result is not None:
                    results.append(result)
                    print(
                        f"  {label:12s} fresh {result['fresh_ms']:6.0f} ms, "
                        f"same {result['same_ms']:6.0f} ms",
                        flush=True,
                    )
                if label != "floor":
                    self.stop_ours(self.bases[label])
        idle: dict[str, dict[str, float] | None] = {}
        print(
            f"== idle cost ({args.settle:g} s settle, {args.idle:g} s measured)",
            flush=True,
        )
        for label in warm:
            idle[label] = attempt(
                f"idle {label}", tries, lambda label=label: self.idle(label)
            )
            if label != "floor":
                self.stop_ours(self.bases[label])
        return report(args, rows, warm, idle)

    def close(self) -> None:
        self.started.stop_all()
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def report(
    args: argparse.Namespace,
    rows: dict[str, list[float]],
    warm: dict[str, list[dict[str, Any]]],
    idle: dict[str, dict[str, float] | None],
) -> int:
    empty = [k for k, v in rows.items() if not v]
    empty += [f"warm {k}" for k, v in warm.items() if not v]
    empty += [f"idle {k}" for k, v in idle.items() if v is None]
    m = {k: med(v) for k, v in rows.items()}
    load = os.getloadavg()
    print()
    print(
        f"== VS Code cold open → workbench visible (median of {args.rounds}; "
        f"{os.cpu_count()} cores, load {load[0]:.1f})"
    )
    print(f"  {'path':44s} {'ms':>8s} {'/floor':>7s} {'/anchor':>8s}  rounds")
    lines = [
        ("floor: code-server directly, same flags", "floor"),
        ("ours, VS Code tile → iframe", "tile"),
        ("ours, /vscode/ in a browser tab", "tab"),
        ("ours, tab, backend WS deflated (before)", "tab_deflate"),
        ("anchor: jupyter-vscode-proxy 0.7, /vscode/", "jvp"),
    ]
    for title, key in lines:
        if key not in rows:
            continue
        values = " ".join(f"{v:.0f}" for v in rows[key]) or "EMPTY"
        print(
            f"  {title:44s} {m[key]:8.0f} {m[key] / m['floor']:7.2f} "
            f"{m[key] / m['jvp']:8.2f}  {values}"
        )
    print(f"  {'ours, RStudio tile → page (test double)':44s} {m['rstudio']:8.0f}")
    print()
    print(f"== VS Code warm open (VS Code running; median of {args.rounds})")
    print(
        f"  {'path':28s} {'fresh ctx ms':>12s} {'/floor':>7s} {'same ctx ms':>12s} {'/floor':>7s}"
        f" {'jupyter CPU ms':>15s}"
    )
    wm = {
        label: (
            med([r["fresh_ms"] for r in results]),
            med([r["same_ms"] for r in results]),
            med([r.get("jupyter_cpu_s", math.nan) * 1000 for r in results]),
        )
        for label, results in warm.items()
    }
    titles = {"floor": "floor", "ours": "ours", "deflate": "ours, WS deflated (before)"}
    for label, (fresh, same, cpu) in wm.items():
        print(
            f"  {titles[label]:28s} {fresh:12.0f} {fresh / wm['floor'][0]:7.2f} "
            f"{same:12.0f} {same / wm['floor'][1]:7.2f} {cpu:15.0f}"
        )
    print_assets(warm)
    print()
    print(f"== idle cost per VS Code (one idle tab; {args.idle:g} s)")
    print(
        f"  {'path':28s} {'procs':>5s} {'RSS MiB':>8s} {'PSS MiB':>8s} {'CPU %':>6s}"
        f" {'+Jupyter CPU %':>15s}"
    )
    for label, cost in idle.items():
        if cost is None:
            print(f"  {titles[label]:28s} EMPTY")
            continue
        extra = "" if label == "floor" else f"{cost['jupyter_cpu_pct']:15.1f}"
        print(
            f"  {titles[label]:28s} {cost['processes']:5.0f} {cost['rss_mib']:8.0f} "
            f"{cost['pss_mib']:8.0f} {cost['cpu_pct']:6.1f} {extra}"
        )
    if empty:
        print(f"\nFAILED: rows with no figure: {', '.join(empty)}", file=sys.stderr)
        return 1
    return 0


def print_assets(warm: dict[str, list[dict[str, Any]]]) -> None:
    """The static-asset table: the last warm round's fresh and same-context opens."""
    last = {label: results[-1] for label, results in warm.items() if results}
    if "ours" not in last or "floor" not in last:
        return
    print()
    print("== workbench assets through the proxy (last warm round; ours vs floor)")
    rows: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        ("responses", lambda a: a["responses"]),
        ("bytes on the wire, KiB", lambda a: round(a["wire_bytes"] / 1024)),
        ("bytes decoded, KiB", lambda a: round(a["decoded_bytes"] / 1024)),
        ("from disk cache", lambda a: a["from_disk"]),
        ("from memory cache", lambda a: a["from_memory"]),
        ("304 Not Modified", lambda a: a["not_modified"]),
        ("static assets", lambda a: a["static"]["count"]),
        ("  on the wire, KiB", lambda a: round(a["static"]["wire_bytes"] / 1024)),
        ("  decoded, KiB", lambda a: round(a["static"]["decoded_bytes"] / 1024)),
        ("  with Cache-Control", lambda a: a["static"]["cache_control"]),
        ("  with ETag", lambda a: a["static"]["etag"]),
        ("  with Content-Encoding", lambda a: a["static"]["encoded"]),
        ("  encodings", lambda a: ",".join(a["static"]["encodings"]) or "-"),
        ("  from a cache", lambda a: a["static"]["from_cache"]),
    ]
    print(
        f"  {'':28s} {'ours fresh':>14s} {'floor fresh':>14s} {'ours same':>14s} {'floor same':>14s}"
    )
    for title, get in rows:
        cells = [
            get(last[label][side])
            for side in ("fresh", "same")
            for label in ("ours", "floor")
        ]
        print(f"  {title:28s} " + " ".join(f"{c!s:>14s}" for c in cells))
    for label in ("ours", "floor"):
        for side in ("fresh", "same"):
            big = last[label][side].get("biggest")
            if big:
                print(
                    f"  biggest asset, {label} {side}: {big['path']} {big['status']} "
                    f"wire {big['wire_bytes'] / 1024:.0f} KiB / {big['decoded_bytes'] / 1024:.0f}"
                    f" KiB, Cache-Control {big['cache_control']!r}, ETag "
                    f"{'yes' if big['etag'] else 'no'}, Content-Encoding "
                    f"{big['content_encoding']!r}, cache {big['from_cache']}"
                )
    for label in ("ours", "floor"):
        values = last[label]["fresh"]["static"]["cache_control_values"]
        print(f"  Cache-Control values, {label}: {values}")


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tries", type=int, default=3, help="tries per measurement")
    parser.add_argument(
        "--idle", type=float, default=10.0, help="seconds of idle measured"
    )
    parser.add_argument(
        "--settle", type=float, default=15.0, help="seconds before idle"
    )
    parser.add_argument(
        "--no-ab",
        dest="ab",
        action="store_false",
        help="skip the WS deflate A/B server",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory (servers' logs)",
    )
    bench = Bench(parser.parse_args())
    try:
        return bench.run()
    except Failed as err:
        print(f"FAILED: {err}", file=sys.stderr)
        return 1
    finally:
        bench.close()


if __name__ == "__main__":
    sys.exit(main())
