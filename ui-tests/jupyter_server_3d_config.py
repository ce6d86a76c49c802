"""Galata server for the 3D desktop: VirtualGL's EGL back end on Mesa's software device.

Same as jupyter_server_test_config.py, but with one desktop profile in the ``egl``
rendering mode, admitted on a machine without a GPU by the documented test/bench option
``c.WorkbenchDesktop.allow_software_egl`` (VirtualGL runs for real; nothing is
accelerated, and the renderer report says so). Its session is the default one (XFCE when
installed, else a window manager with a background and a terminal). A separate server, so
that the main one's desktops stay in software mode and its ``gpu: require`` profile keeps
failing as it should without a GPU.
"""

from pathlib import Path

HERE = Path(__file__).parent
exec((HERE / "jupyter_server_test_config.py").read_text())  # noqa: S102

c = get_config()  # noqa: F821
c.WorkbenchDesktop.profiles = [
    {"name": "desktop-gl", "title": "3D Desktop (VirtualGL)", "geometry": "1280x720"},
]
c.WorkbenchDesktop.rendering_mode = "egl"
c.WorkbenchDesktop.allow_software_egl = True
