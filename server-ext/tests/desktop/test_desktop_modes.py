"""Rendering mode selection: sidecar → VirtualGL EGL → software.

VirtualGL and NVIDIA GPUs are not available here, so the GPU branches are driven by
clearly labelled doubles in tests/desktop/doubles (see their header comments):
``vglrun`` runs its command unchanged (no fake GPU), ``eglinfo`` is this machine's real
Mesa eglinfo with ONE field edited (vendor "Mesa Project" → "NVIDIA"). A real Xorg with
the dummy driver stands in for the 3D X server sidecar. The production code is unchanged.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from pathlib import Path

import pytest

from jupyter_workbench.desktop import modes
from jupyter_workbench.desktop.backend import WorkbenchDesktop

DOUBLES = Path(__file__).parent / "doubles"
DUMMY_XORG_CONF = """\
Section "ServerFlags"
  Option "DontVTSwitch" "true"
  Option "AutoAddDevices" "false"
  Option "AutoAddGPU" "false"
EndSection
Section "Device"
  Identifier "dummy"
  Driver "dummy"
  VideoRam 32768
EndSection
Section "Monitor"
  Identifier "monitor"
  HorizSync 5.0-1000.0
  VertRefresh 5.0-200.0
EndSection
Section "Screen"
  Identifier "screen"
  Device "dummy"
  Monitor "monitor"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Virtual 1024 768
  EndSubSection
EndSection
"""

#: NVIDIA's glvnd EGL vendor file as the driver installs it (10_nvidia.json).
NVIDIA_EGL_VENDOR_JSON = (
    '{"file_format_version": "1.0.0", "ICD": {"library_path": "libEGL_nvidia.so.0"}}\n'
)


def settings(tmp_path: Path, **kwargs) -> modes.RenderingSettings:
    """Settings whose device paths point into ``tmp_path`` (empty unless a test fills them)."""
    dri = tmp_path / "dri"
    vendor = tmp_path / "egl_vendor.d"
    dri.mkdir(exist_ok=True)
    vendor.mkdir(exist_ok=True)
    base = {"dri_dir": str(dri), "egl_vendor_dirs": [str(vendor)], "sidecar_timeout": 1.0}
    base.update(kwargs)
    return modes.RenderingSettings(**base)


def reasons(selection: modes.ModeSelection) -> dict[str, str]:
    return {r["mode"]: r["reason"] for r in selection.rejected}


@pytest.fixture
def no_virtualgl():
    """Tests of the "VirtualGL missing" branches need a machine without vglrun."""
    if modes.find_tool("vglrun"):
        pytest.skip("a real vglrun is installed")


@pytest.fixture
def dummy_xorg(tmp_path):
    """A real Xorg with the dummy driver (the sidecar stand-in); yields its display."""
    if os.geteuid() != 0 or not shutil.which("Xorg"):
        pytest.skip("needs root and Xorg (xserver-xorg-core, xserver-xorg-video-dummy)")
    conf = tmp_path / "dummy.conf"
    conf.write_text(DUMMY_XORG_CONF)
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [
            "Xorg",
            "-displayfd",
            str(write_fd),
            "-config",
            str(conf),
            "-noreset",
            "-nolisten",
            "tcp",
            "-novtswitch",
            "-sharevts",
            "-logfile",
            str(tmp_path / "xorg.log"),
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 20)
        number = os.read(read_fd, 16).decode().strip() if ready else ""
        if not number:
            pytest.fail("Xorg (dummy) did not start: " + (tmp_path / "xorg.log").read_text()[-800:])
        yield f":{number}"
    finally:
        os.close(read_fd)
        proc.terminate()
        proc.wait(10)


async def test_software_when_nothing_is_available(tmp_path, no_virtualgl):
    selection = await modes.select_mode(settings(tmp_path))
    assert selection.mode == "software"
    why = reasons(selection)
    assert "no 3D X server is configured" in why["sidecar"]
    assert why["egl"] == "vglrun (VirtualGL) is not installed"
    assert selection.vglrun_argv(wm=True) == []
    assert selection.session_env() == {"WORKBENCH_RENDERING_MODE": "software"}


async def test_egl_needs_a_device(tmp_path, doubles_on_path):
    selection = await modes.select_mode(settings(tmp_path))
    assert selection.mode == "software"
    assert "no GPU device node" in reasons(selection)["egl"]


async def test_egl_rejected_when_eglinfo_shows_only_software(tmp_path, doubles_on_path):
    (tmp_path / "dri").mkdir(exist_ok=True)
    (tmp_path / "dri" / "renderD128").touch()
    # The real Mesa eglinfo of this machine (not the double): only swrast devices.
    selection = await modes.select_mode(settings(tmp_path, eglinfo="/usr/bin/eglinfo"))
    assert selection.mode == "software"
    assert "eglinfo found no hardware EGL device" in reasons(selection)["egl"]
    assert "swrast" in reasons(selection)["egl"]


async def test_egl_selected_with_nvidia_egl(tmp_path, doubles_on_path):
    (tmp_path / "egl_vendor.d").mkdir(exist_ok=True)
    (tmp_path / "egl_vendor.d" / "10_nvidia.json").write_text(NVIDIA_EGL_VENDOR_JSON)
    selection = await modes.select_mode(settings(tmp_path))
    assert selection.mode == "egl", selection.rejected
    assert selection.vglrun == str(DOUBLES / "vglrun")
    assert selection.vglrun_argv(wm=True) == [str(DOUBLES / "vglrun"), "+wm", "-d", "egl0"]
    assert selection.session_env()["VGL_DISPLAY"] == "egl0"
    assert "no 3D X server is configured" in reasons(selection)["sidecar"]


async def test_the_pods_egl_device_reaches_the_session(tmp_path, doubles_on_path, monkeypatch):
    """``WORKBENCH_VGL_DISPLAY=egl1`` from the pod is the session's ``VGL_DISPLAY``."""
    (tmp_path / "egl_vendor.d").mkdir(exist_ok=True)
    (tmp_path / "egl_vendor.d" / "10_nvidia.json").write_text(NVIDIA_EGL_VENDOR_JSON)
    monkeypatch.setenv("WORKBENCH_RENDERING_MODE", "egl")
    monkeypatch.setenv("WORKBENCH_VGL_DISPLAY", "egl1")
    desktop = WorkbenchDesktop(dri_dir=str(tmp_path / "dri"))
    desktop.egl_vendor_dirs = [str(tmp_path / "egl_vendor.d")]
    found = desktop.rendering_settings()
    assert (found.requested, found.source) == ("egl", "WORKBENCH_RENDERING_MODE")
    assert found.egl_device == "egl1"
    selection = await modes.select_mode(found)
    assert selection.mode == "egl", selection.rejected
    assert selection.session_env()["VGL_DISPLAY"] == "egl1"
    assert selection.vglrun_argv() == [str(DOUBLES / "vglrun"), "-d", "egl1"]


def test_server_config_wins_over_the_pods_egl_device(monkeypatch):
    """docs/admin/rendering.md: a server config value wins over the environment."""
    monkeypatch.setenv("WORKBENCH_VGL_DISPLAY", "egl1")
    assert WorkbenchDesktop(egl_device="egl2").rendering_settings().egl_device == "egl2"
    monkeypatch.delenv("WORKBENCH_VGL_DISPLAY")
    assert WorkbenchDesktop().rendering_settings().egl_device == "egl0"


async def test_sidecar_selected_when_the_3d_x_server_answers(tmp_path, doubles_on_path, dummy_xorg):
    selection = await modes.select_mode(settings(tmp_path, vgl_display=dummy_xorg))
    assert selection.mode == "sidecar", selection.rejected
    assert selection.rejected == []
    assert selection.session_env()["VGL_DISPLAY"] == dummy_xorg
    assert selection.vglrun_argv() == [str(DOUBLES / "vglrun"), "-d", dummy_xorg]


async def test_sidecar_without_vglrun_is_rejected(tmp_path, no_virtualgl, dummy_xorg):
    selection = await modes.select_mode(settings(tmp_path, vgl_display=dummy_xorg))
    assert selection.mode == "software"
    assert "vglrun (VirtualGL) is not installed" in reasons(selection)["sidecar"]


async def test_unreachable_sidecar_falls_through_to_egl(tmp_path, doubles_on_path):
    (tmp_path / "egl_vendor.d").mkdir(exist_ok=True)
    (tmp_path / "egl_vendor.d" / "10_nvidia.json").write_text(NVIDIA_EGL_VENDOR_JSON)
    selection = await modes.select_mode(settings(tmp_path, vgl_display=":199"))
    assert selection.mode == "egl"
    assert ":199" in reasons(selection)["sidecar"]


async def test_explicit_software_and_profile_policy(tmp_path, doubles_on_path, dummy_xorg):
    chosen = await modes.select_mode(
        settings(tmp_path, vgl_display=dummy_xorg, requested="software", source="config")
    )
    assert chosen.mode == "software"
    assert reasons(chosen) == {
        "sidecar": "software rendering was requested (config)",
        "egl": "software rendering was requested (config)",
    }
    by_policy = await modes.select_mode(settings(tmp_path, vgl_display=dummy_xorg), "software")
    assert by_policy.mode == "software" and by_policy.source == "profile gpu policy"


async def test_explicit_egl_unusable_says_so(tmp_path, no_virtualgl):
    selection = await modes.select_mode(settings(tmp_path, requested="egl", source="env"))
    assert selection.mode == "software"
    assert "rendering mode 'egl' was requested" in reasons(selection)["sidecar"]
    assert any("'egl' was requested but is not usable" in w for w in selection.warnings)


def test_acceleration_verdict():
    # parse_glxinfo itself runs on real glxinfo output in test_desktop_renderer.py.
    assert (
        modes.is_accelerated(
            {"renderer": "llvmpipe (LLVM 15.0.6, 256 bits)", "accelerated_flag": "yes"}
        )
        is False
    )
    assert (
        modes.is_accelerated({"renderer": "Mesa Intel(R) UHD", "accelerated_flag": "no"}) is False
    )
    assert modes.is_accelerated({"renderer": "NVIDIA H100 80GB HBM3/PCIe/SSE2"}) is True
    assert modes.is_accelerated({}) is None
