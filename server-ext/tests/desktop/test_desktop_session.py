"""The default session greets the user: never a black screen.

XFCE when installed (a panel, a terminal, a file manager); a bare window manager comes with
a painted background and a terminal. Checked on the frames an RFB client receives.
"""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest
from desktop_helpers import needs_xvnc, start, wait_until
from rfb_client import RFBClient

from jupyter_workbench.desktop import backend as desktop

BARE_RGB = tuple(int(desktop.BARE_BACKGROUND[i : i + 2], 16) for i in (1, 3, 5))


def programs_dir(tmp_path, names: list[str]) -> str:
    """A PATH directory holding only ``names`` (links to the real programs)."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    for name in names:
        real = shutil.which(name)
        if real is None:
            pytest.skip(f"needs {name}")
        (folder / name).symlink_to(real)
    return str(folder)


def test_full_desktop_first(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", programs_dir(tmp_path, ["xfce4-session", "twm", "xterm"]))
    argv, source = desktop.resolve_session([])
    assert argv == [str(tmp_path / "bin" / "xfce4-session")] and source == "xfce4-session"


def test_bare_window_manager_gets_a_background_and_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    bin_dir = programs_dir(tmp_path, ["twm", "xterm", "xsetroot"])
    monkeypatch.setenv("PATH", bin_dir)
    argv, source = desktop.resolve_session([])
    assert source == "twm + background + xterm"
    assert argv[:2] == ["/bin/sh", "-c"]
    assert argv[2].splitlines() == [
        f"{bin_dir}/xsetroot -solid '{desktop.BARE_BACKGROUND}'",
        f"{bin_dir}/xterm -geometry 100x30+40+40 &",
        f"exec {bin_dir}/twm",
    ]
    # Without xsetroot and a terminal, the window manager alone.
    os.unlink(f"{bin_dir}/xterm")
    os.unlink(f"{bin_dir}/xsetroot")
    assert desktop.resolve_session([]) == (["/bin/sh", "-c", f"exec {bin_dir}/twm"], "twm")


def frame(socket_path: str) -> RFBClient:
    with RFBClient.connect(socket_path) as rfb:
        rfb.refresh()
        return rfb


@pytest.fixture
def desktop_config(tmp_path, monkeypatch) -> dict:
    # No session configured: the fallback; PATH decides which one (twm here, see below).
    names = ["Xvnc", "twm", "xterm", "xsetroot", "xset", "glxinfo"]
    monkeypatch.setenv("PATH", programs_dir(tmp_path, names))
    return {"profiles": [{"name": "desktop", "geometry": "800x600"}]}


@needs_xvnc
async def test_bare_session_paints_and_opens_a_terminal(api, workbench):
    await start(api)
    socket_path = workbench.supervisor.get("desktop").ctx.socket_path

    def greeted():
        rfb = frame(socket_path)
        # Background painted, and the terminal (white, at +40+40) is on screen.
        return rfb.pixel(780, 580) == BARE_RGB and rfb.pixel(200, 200) == (255, 255, 255)

    await wait_until(lambda: asyncio.to_thread(greeted), timeout=20)
