"""The GPU path end to end with real VirtualGL, on both back ends, on Mesa (no GPU here).

* GLX back end ("sidecar"): a real Xorg with the dummy driver is the 3D X server.
* EGL back end: Mesa's software EGL device, admitted by ``allow_software_egl``.

Each desktop runs its window manager under ``vglrun +wm``; the renderer report must say
VirtualGL is in use AND that the renderer (llvmpipe) is not accelerated. Then the proof
that pixels travel: a GL program started in the desktop under ``vglrun`` clears its window
to a known colour, and that colour is read back as an RFB client receives it from the
desktop's socket. A control run with VirtualGL pointed at a 3D device that does not exist
must not produce the colour: the readback is what is tested, not an exit code.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from desktop_helpers import needs_xvnc, start, wait_until
from rfb_client import RFBClient

pytestmark = [
    needs_xvnc,
    pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler and libgl-dev"),
]

GL_CLEAR_C = Path(__file__).parent / "gl_clear.c"
#: The GL window: position, size and an unusual colour (not a default of anything).
WINDOW = (120, 90, 240, 160)
COLOUR = (23, 187, 91)


@pytest.fixture
def gl_clear(tmp_path) -> str:
    """gl_clear.c compiled for this machine."""
    exe = tmp_path / "gl_clear"
    subprocess.run(
        ["cc", "-O1", "-o", str(exe), str(GL_CLEAR_C), "-lGL", "-lX11"],
        check=True,
        capture_output=True,
    )
    return str(exe)


@pytest.fixture(params=["egl", "sidecar"])
def backend_mode(request) -> str:
    return request.param


@pytest.fixture
def desktop_config(request, backend_mode, virtualgl, tmp_path) -> dict:
    config = {
        "profiles": [{"name": "desktop", "geometry": "800x600", "session": ["twm"]}],
        "rendering_mode": backend_mode,
        "dri_dir": str(tmp_path / "no-dri"),
        "egl_vendor_dirs": [str(tmp_path / "no-egl-vendor.d")],
    }
    if backend_mode == "egl":
        config["allow_software_egl"] = True
    else:
        config["vgl_display"] = request.getfixturevalue("dummy_xorg")
    return config


def read_colour(socket_path: str, x: int, y: int) -> tuple[int, int, int]:
    """The pixel at (x, y) as an RFB client receives it now (a full update)."""
    with RFBClient.connect(socket_path) as rfb:
        rfb.refresh()
        return rfb.pixel(x, y)


async def colour_shows(socket_path: str, colour, timeout: float) -> tuple[bool, tuple]:
    """Whether the GL window's centre shows ``colour`` within ``timeout`` seconds."""
    x, y, w, h = WINDOW
    deadline = time.monotonic() + timeout
    while True:
        seen = await asyncio.to_thread(read_colour, socket_path, x + w // 2, y + h // 2)
        if seen == colour or time.monotonic() > deadline:
            return seen == colour, seen
        await asyncio.sleep(0.25)


def run_gl(vglrun: list[str], exe: str, state: dict, env: dict) -> subprocess.Popen:
    """Start gl_clear in the desktop (its display and cookie) under ``vglrun``."""
    return subprocess.Popen(
        [*vglrun, exe, *map(str, COLOUR), *map(str, WINDOW)],
        env={**os.environ, **env, "DISPLAY": state["display"], "XAUTHORITY": state["xauthority"]},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.terminate()
    out, _ = proc.communicate(timeout=10)
    return out


async def test_virtualgl_renders_and_its_pixels_reach_the_vnc_client(
    api, workbench, backend_mode, virtualgl, gl_clear
):
    state = (await start(api))["desktop"]
    backend = workbench.supervisor.get("desktop").backend
    socket_path = workbench.supervisor.get("desktop").ctx.socket_path
    selection = backend.selection
    assert selection.mode == backend_mode, selection.rejected

    # The window manager runs under VirtualGL: vglrun execs it with the faker preloaded
    # (the session process is a shell until then: wait for the exec).
    def session_environ() -> dict[bytes, bytes] | None:
        with open(f"/proc/{state['session_pid']}/environ", "rb") as handle:
            found = dict(i.split(b"=", 1) for i in handle.read().split(b"\0") if b"=" in i)
        return found if b"libvglfaker" in found.get(b"LD_PRELOAD", b"") else None

    environ = await wait_until(session_environ, timeout=10)
    assert environ[b"VGL_DISPLAY"] == selection.vgl_display.encode()
    assert environ[b"VGL_ISACTIVE"] == b"1" and environ[b"VGL_WM"] == b"1"  # +wm

    # The renderer report: VirtualGL in use, and honestly not accelerated.
    code, report = await api("GET", "desktops", "desktop", "renderer")
    assert code == 200, report
    assert report["mode"] == backend_mode and report["virtualgl"] is True, report
    assert report["glx_vendor"] == "VirtualGL"
    assert report["accelerated"] is False and "llvmpipe" in report["renderer"]
    assert report["command"][:3] == [virtualgl, "-d", selection.vgl_display]
    assert any("NOT accelerated" in warning for warning in report["warnings"])
    label = {"egl": "EGL", "sidecar": "GLX"}[backend_mode]
    code, data = await api("GET", "backends", "desktop")
    assert data["desktop"]["renderer_summary"] == f"VirtualGL ({label}) · llvmpipe, not accelerated"

    x, y, w, h = WINDOW
    before = await asyncio.to_thread(read_colour, socket_path, x + w // 2, y + h // 2)
    assert before != COLOUR

    # Control: VirtualGL pointed at a 3D device that does not exist renders nothing.
    broken = run_gl(
        [virtualgl, "-d", "egl99" if backend_mode == "egl" else ":4999"],
        gl_clear,
        state,
        selection.session_env(),
    )
    shown, seen = await colour_shows(socket_path, COLOUR, timeout=3.0)
    output = stop(broken)
    assert not shown, f"colour {COLOUR} without a working 3D device? ({output})"

    # The real thing: the GL program's pixels, read back by VirtualGL, reach the viewer.
    gl = run_gl(selection.vglrun_argv(), gl_clear, state, selection.session_env())
    try:
        shown, seen = await colour_shows(socket_path, COLOUR, timeout=20.0)
        outside = await asyncio.to_thread(read_colour, socket_path, x - 10, y + h // 2)
    finally:
        output = stop(gl)
    assert shown, f"the RFB client saw {seen}, not {COLOUR}; gl_clear said: {output}"
    assert outside != COLOUR  # the colour is the window's, not the whole screen's
    assert "glx vendor: VirtualGL" in output, output
    assert "llvmpipe" in output
