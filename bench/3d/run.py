#!/usr/bin/env python3
"""3D desktop benchmark: glxspheres64 in a 1280x720 desktop, frames/s an RFB client receives.

Run with ``make bench-3d`` (or ``.venv/bin/python bench/3d/run.py``). Prints the figures and
their ratios to the software path; writes them as JSON to ``bench/results/``. Not a test.

Three paths, the same TigerVNC Xvnc (1280x720, on a unix socket) and the same client (the
minimal RFB 3.8 client of the desktop tests, Raw encoding, incremental update requests):

``software``    glxspheres64 on Xvnc's own GLX (Mesa llvmpipe): the floor.
``vgl-glx``     ``vglrun -d :N glxspheres64``: VirtualGL's GLX back end on a 3D X server,
                a real Xorg with the dummy driver (needs root), as the sidecar mode runs.
``vgl-egl``     ``vglrun -d egl0 glxspheres64``: VirtualGL's EGL back end on Mesa's
                software EGL device.

Without a GPU all three render on llvmpipe, so the ratios measure VirtualGL's own cost
(readback into Xvnc); the target is at least 0.8x software. glxspheres64's own frame rate
(what it renders) is printed beside the one received. Environment: BENCH_3D_SECONDS
(measuring time per path, default 10).
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TESTS = REPO / "server-ext" / "tests" / "desktop"
sys.path.insert(0, str(TESTS))  # the RFB client and the dummy Xorg config of the tests

from desktop_helpers import DUMMY_XORG_CONF
from rfb_client import RFBClient

GEOMETRY = "1280x720"
SECONDS = float(os.environ.get("BENCH_3D_SECONDS", "10"))
WARMUP = 3.0
TOOLS = REPO / ".tools" / "bin"
FPS_LINE = re.compile(r"([\d.]+) frames/sec")
#: The -displayfd pipes of the running X servers (see start_x).
PIPES: list[int] = []
#: Seconds an app has to draw its first frame.
FIRST_FRAME_TIMEOUT = 60.0


def log(message: str) -> None:
    print(f"[bench-3d] {message}", file=sys.stderr, flush=True)


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(TOOLS))
    if not found:
        raise SystemExit(
            f"{name} not found (make bootstrap builds VirtualGL into .tools)"
        )
    return found


def start_x(argv: list[str], log_path: Path) -> tuple[subprocess.Popen, str]:
    """Start an X server with ``-displayfd``; return it and its display once it is ready.

    The pipe stays open while the server runs: Xorg writes to it again later and exits
    ("Cannot write display number") when the reader is gone.
    """
    read_fd, write_fd = os.pipe()
    with open(log_path, "w") as out:
        proc = subprocess.Popen(
            [*argv, "-displayfd", str(write_fd)],
            pass_fds=(write_fd,),
            stdout=out,
            stderr=out,
        )
    os.close(write_fd)
    PIPES.append(read_fd)
    ready, _, _ = select.select([read_fd], [], [], 30)
    number = os.read(read_fd, 16).decode().strip() if ready else ""
    if not number:
        proc.kill()
        raise RuntimeError(f"{argv[0]} did not start: {log_path.read_text()[-600:]}")
    return proc, f":{number}"


def wait_for_socket(path: str, timeout: float = 30.0) -> None:
    """Wait until the RFB server greets on ``path``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            RFBClient.connect(path).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure(
    name: str, argv: list[str], display: str, rfb_socket: str
) -> dict[str, Any]:
    """Run ``argv`` (glxspheres64, full screen) and count the frames the RFB client gets."""
    log(f"{name}: {' '.join(argv)}")
    stdbuf = shutil.which(
        "stdbuf"
    )  # glxspheres64's own figures line by line, not at exit
    app = subprocess.Popen(
        [stdbuf, "-oL", *argv] if stdbuf else argv,
        env={**os.environ, "DISPLAY": display, "VGL_COMPRESS": "proxy"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(app.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + FIRST_FRAME_TIMEOUT
        while not any(FPS_LINE.search(line) for line in lines):
            if app.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"glxspheres64 rendered nothing: {''.join(lines)[-600:]}"
                )
            time.sleep(0.2)
        with RFBClient.connect(rfb_socket) as rfb:
            rfb.refresh()
            rfb.count_updates(WARMUP)
            started = time.monotonic()
            frames = rfb.count_updates(SECONDS)
            elapsed = time.monotonic() - started
    finally:
        stop(app)
        reader.join(5)
    rendered = [float(m.group(1)) for line in lines if (m := FPS_LINE.search(line))]
    renderer = next(
        (ln.split(":", 1)[1].strip() for ln in lines if "OpenGL Renderer" in ln), None
    )
    return {
        "received_fps": round(frames / elapsed, 2),
        "frames": frames,
        "seconds": round(elapsed, 2),
        "rendered_fps": round(statistics.median(rendered[1:] or rendered), 2),
        "renderer": renderer,
    }


def main() -> int:
    spheres, vglrun = tool("glxspheres64"), tool("vglrun")
    workdir = Path(tempfile.mkdtemp(prefix="bench-3d-"))
    rfb_socket = str(workdir / "rfb")
    results: dict[str, Any] = {"geometry": GEOMETRY, "seconds": SECONDS}
    xvnc = xorg = None
    try:
        xvnc, display = start_x(
            [
                tool("Xvnc"),
                "-rfbunixpath",
                rfb_socket,
                "-rfbunixmode",
                "0600",
                "-rfbport",
                "-1",
                "-SecurityTypes",
                "None",
                "-geometry",
                GEOMETRY,
                "-depth",
                "24",
                "-nolisten",
                "tcp",
            ],
            workdir / "xvnc.log",
        )
        wait_for_socket(rfb_socket)
        paths: list[tuple[str, list[str]]] = [("software", [spheres, "-fs"])]
        if os.geteuid() == 0 and shutil.which("Xorg"):
            conf = workdir / "dummy.conf"
            conf.write_text(DUMMY_XORG_CONF)
            xorg, gl_display = start_x(
                [
                    "Xorg",
                    "-config",
                    str(conf),
                    "-noreset",
                    "-nolisten",
                    "tcp",
                    "-novtswitch",
                    "-sharevts",
                    "-logfile",
                    str(workdir / "xorg.log"),
                ],
                workdir / "xorg.out",
            )
            paths.append(("vgl-glx", [vglrun, "-d", gl_display, spheres, "-fs"]))
        else:
            results["vgl-glx"] = {"error": "needs root and Xorg (the dummy driver)"}
        paths.append(("vgl-egl", [vglrun, "-d", "egl0", spheres, "-fs"]))
        for name, argv in paths:
            try:
                results[name] = measure(name, argv, display, rfb_socket)
            except (RuntimeError, OSError) as err:
                results[name] = {"error": str(err)}
    finally:
        stop(xorg)
        stop(xvnc)
        for fd in PIPES:
            os.close(fd)
    report(results)
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"3d-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"\n(raw figures: {out}; logs: {workdir})")
    return 0


def report(results: dict[str, Any]) -> None:
    floor = results.get("software", {}).get("received_fps")
    print(f"\nglxspheres64 in a {GEOMETRY} desktop, frames/s received by an RFB client")
    print(f"{'path':10} {'received':>9} {'rendered':>9} {'ratio':>7}  renderer")
    for name in ("software", "vgl-glx", "vgl-egl"):
        row = results.get(name, {})
        if "error" in row:
            print(f"{name:10} {'-':>9} {'-':>9} {'-':>7}  {row['error']}")
            continue
        fps = row.get("received_fps")
        ratio = f"{fps / floor:.2f}x" if fps and floor else "-"
        rendered = row.get("rendered_fps")
        print(
            f"{name:10} {fps:>9} {rendered if rendered is not None else '-':>9} {ratio:>7}  "
            f"{row.get('renderer')}"
        )


if __name__ == "__main__":
    sys.exit(main())
