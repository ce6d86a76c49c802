"""The default session, when XFCE is installed (``make`` installs it): a real desktop.

Read back as an RFB client receives it: a panel along the top edge and a desktop
background, i.e. many colours, not one uniform (black) frame.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest
from desktop_helpers import needs_xvnc, start, wait_until
from rfb_client import RFBClient

pytestmark = [
    needs_xvnc,
    pytest.mark.skipif(
        shutil.which("xfce4-session") is None or shutil.which("xfce4-panel") is None,
        reason="needs XFCE (make installs xfce4-session, xfce4-panel, xfdesktop4 …)",
    ),
]


@pytest.fixture
def desktop_config(tmp_path, monkeypatch) -> dict:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # a first-run XFCE
    return {"profiles": [{"name": "desktop", "geometry": "1024x640"}]}


def colours(socket_path: str) -> tuple[int, int]:
    """(distinct colours on the screen, distinct colours in the top 24 rows)."""
    with RFBClient.connect(socket_path) as rfb:
        rfb.refresh()
        pixels = [rfb.pixel(x, y) for y in range(0, rfb.height, 4) for x in range(0, rfb.width, 4)]
        top = {rfb.pixel(x, y) for y in range(0, 24, 2) for x in range(0, rfb.width, 2)}
    return len(set(pixels)), len(top)


async def test_default_session_is_xfce_and_greets(api, workbench):
    data = await start(api)
    with open(f"/proc/{data['desktop']['session_pid']}/cmdline", "rb") as handle:
        assert b"xfce4-session" in handle.read()
    socket_path = workbench.supervisor.get("desktop").ctx.socket_path

    async def greeted():
        screen, panel = await asyncio.to_thread(colours, socket_path)
        return (screen, panel) if screen > 50 and panel > 5 else None

    await wait_until(greeted, timeout=45, interval=1.0)
