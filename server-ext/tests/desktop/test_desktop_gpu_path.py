"""The GPU path end to end, with the labelled vglrun/eglinfo doubles (no GPU here).

The desktop must start its window manager under ``vglrun +wm``, run the renderer check
through ``vglrun``, and — because the double fakes no GPU — report honestly that the
renderer is still llvmpipe, i.e. NOT accelerated, even though the mode is ``egl``.
"""

from __future__ import annotations

import pytest
from desktop_helpers import needs_xvnc, start
from test_desktop_modes import NVIDIA_EGL_VENDOR_JSON

pytestmark = needs_xvnc


@pytest.fixture
def desktop_config(tmp_path, doubles_on_path) -> dict:
    vendor = tmp_path / "egl_vendor.d"
    vendor.mkdir()
    (vendor / "10_nvidia.json").write_text(NVIDIA_EGL_VENDOR_JSON)
    return {
        "profiles": [{"name": "desktop", "geometry": "800x600", "session": ["twm"]}],
        "dri_dir": str(tmp_path / "no-dri"),
        "egl_vendor_dirs": [str(vendor)],
    }


async def test_egl_mode_runs_the_session_under_vglrun_and_reports_the_truth(api, doubles_on_path):
    await start(api)
    code, report = await api("GET", "desktops", "desktop", "renderer")
    assert code == 200, report
    assert report["mode"] == "egl"
    assert report["vgl_display"] == "egl0"
    assert report["command"][0].endswith("/doubles/vglrun")
    assert report["accelerated"] is False and "llvmpipe" in report["renderer"]
    assert any("NOT accelerated" in warning for warning in report["warnings"])
    calls = doubles_on_path.read_text().splitlines()
    assert any(
        call.startswith("vglrun +wm -d egl0 twm") and call.endswith("VGL_DISPLAY=egl0")
        for call in calls
    ), calls
    assert any(call.startswith("vglrun -d egl0 ") and "glxinfo -B" in call for call in calls)
