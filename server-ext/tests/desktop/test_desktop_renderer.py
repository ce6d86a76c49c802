"""The renderer report of a running desktop comes from glxinfo run inside its session."""

from __future__ import annotations

import os

from desktop_helpers import needs_xvnc, start

pytestmark = needs_xvnc


async def test_renderer_needs_a_running_desktop(api):
    code, data = await api("GET", "desktops", "desktop", "renderer")
    assert code == 409 and "not running" in data["error"]["message"]
    code, data = await api("GET", "desktops", "nosuch", "renderer")
    assert code == 404
    code, data = await api("GET", "desktops", "desktop", "renderer", params={"refresh": "x"})
    assert code == 400


async def test_renderer_report_says_software_here(api, workbench):
    started = await start(api)
    code, report = await api("GET", "desktops", "desktop", "renderer")
    assert code == 200, report
    assert report["display"] == started["desktop"]["display"]
    assert report["mode"] == "software"
    assert report["accelerated"] is False
    assert "llvmpipe" in report["renderer"]
    assert os.path.basename(report["command"][0]) == "glxinfo"  # no vglrun in software mode
    assert report["virtualgl"] is False and report["glx_vendor"] == "SGI"  # Xvnc's own GLX
    rejected = {r["mode"]: r["reason"] for r in report["rejected"]}
    assert set(rejected) == {"sidecar", "xorg", "egl"}
    assert rejected["xorg"].startswith("no NVIDIA GPU")  # auto tries xorg only with one
    # The same report through the desktop feature (the GPU panel's OpenGL check uses it).
    hooked = await workbench.desktop.running_renderer()
    assert hooked["renderer"] == report["renderer"]
    # …and as the badge summary on the backend status.
    code, data = await api("GET", "backends", "desktop")
    assert data["desktop"]["renderer_summary"] == "software · llvmpipe, not accelerated"
    code, listing = await api("GET", "desktops")
    assert listing["desktops"][0]["display"] == started["desktop"]["display"]


async def test_no_running_renderer_without_running_desktop(workbench):
    assert await workbench.desktop.running_renderer() is None
