"""Rendering mode selection: sidecar → VirtualGL EGL → software, with real VirtualGL.

``vglrun`` is the real VirtualGL (``make`` builds it into .tools when the machine has
none). The sidecar's 3D X server is a real Xorg with the dummy driver (Mesa GLX); the EGL
back end's device is Mesa's software EGL device, admitted only by ``allow_software_egl``.
The one double left is ``eglinfo`` as NVIDIA's EGL driver prints it (tests/desktop/doubles,
see its header): the NVIDIA driver cannot run here.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_workbench.desktop import modes
from jupyter_workbench.desktop.backend import WorkbenchDesktop

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


def no_vglrun(tmp_path: Path) -> str:
    """A vglrun path with nothing there: the "VirtualGL missing" branches on any machine."""
    return str(tmp_path / "no-virtualgl" / "vglrun")


def reasons(selection: modes.ModeSelection) -> dict[str, str]:
    return {r["mode"]: r["reason"] for r in selection.rejected}


async def test_software_when_nothing_is_available(tmp_path):
    selection = await modes.select_mode(settings(tmp_path, vglrun=no_vglrun(tmp_path)))
    assert selection.mode == "software"
    why = reasons(selection)
    assert "no 3D X server is configured" in why["sidecar"]
    assert why["egl"] == "vglrun (VirtualGL) is not installed"
    assert selection.vglrun_argv(wm=True) == []
    assert selection.session_env() == {"WORKBENCH_RENDERING_MODE": "software"}


async def test_egl_needs_a_device(tmp_path, virtualgl):
    selection = await modes.select_mode(settings(tmp_path))
    assert selection.mode == "software"
    assert "no GPU device node" in reasons(selection)["egl"]


async def test_software_egl_device_is_not_a_gpu(tmp_path, virtualgl):
    (tmp_path / "dri").mkdir(exist_ok=True)
    (tmp_path / "dri" / "renderD128").touch()
    # The real Mesa eglinfo of this machine: only swrast devices.
    selection = await modes.select_mode(settings(tmp_path))
    assert selection.mode == "software"
    why = reasons(selection)["egl"]
    assert "eglinfo found no hardware EGL device" in why and "swrast" in why
    assert why.endswith("a software EGL device is not a GPU")


async def test_software_egl_device_admitted_only_by_the_setting(tmp_path, virtualgl):
    selection = await modes.select_mode(settings(tmp_path, allow_software_egl=True))
    assert selection.mode == "egl", selection.rejected
    assert selection.vglrun == virtualgl
    assert selection.vglrun_argv(wm=True) == [virtualgl, "+wm", "-d", "egl0"]
    assert selection.session_env()["VGL_DISPLAY"] == "egl0"
    assert any("software renderer, admitted by allow_software_egl" in w for w in selection.warnings)
    # Without VirtualGL the setting admits nothing.
    missing = await modes.select_mode(
        settings(tmp_path, allow_software_egl=True, vglrun=no_vglrun(tmp_path))
    )
    assert missing.mode == "software"


async def test_egl_selected_with_nvidia_egl(tmp_path, virtualgl, nvidia_eglinfo):
    (tmp_path / "egl_vendor.d").mkdir(exist_ok=True)
    (tmp_path / "egl_vendor.d" / "10_nvidia.json").write_text(NVIDIA_EGL_VENDOR_JSON)
    selection = await modes.select_mode(settings(tmp_path, eglinfo=nvidia_eglinfo))
    assert selection.mode == "egl", selection.rejected
    assert selection.vglrun_argv(wm=True) == [virtualgl, "+wm", "-d", "egl0"]
    assert selection.warnings == []
    assert "no 3D X server is configured" in reasons(selection)["sidecar"]


async def test_the_pods_egl_device_reaches_the_session(
    tmp_path, virtualgl, nvidia_eglinfo, monkeypatch
):
    """``WORKBENCH_VGL_DISPLAY=egl1`` from the pod is the session's ``VGL_DISPLAY``."""
    (tmp_path / "egl_vendor.d").mkdir(exist_ok=True)
    (tmp_path / "egl_vendor.d" / "10_nvidia.json").write_text(NVIDIA_EGL_VENDOR_JSON)
    monkeypatch.setenv("WORKBENCH_RENDERING_MODE", "egl")
    monkeypatch.setenv("WORKBENCH_VGL_DISPLAY", "egl1")
    desktop = WorkbenchDesktop(dri_dir=str(tmp_path / "dri"), eglinfo=nvidia_eglinfo)
    desktop.egl_vendor_dirs = [str(tmp_path / "egl_vendor.d")]
    found = desktop.rendering_settings()
    assert (found.requested, found.source) == ("egl", "WORKBENCH_RENDERING_MODE")
    assert found.egl_device == "egl1"
    selection = await modes.select_mode(found)
    assert selection.mode == "egl", selection.rejected
    assert selection.session_env()["VGL_DISPLAY"] == "egl1"
    assert selection.vglrun_argv() == [virtualgl, "-d", "egl1"]


def test_server_config_wins_over_the_pods_egl_device(monkeypatch):
    """docs/admin/rendering.md: a server config value wins over the environment."""
    monkeypatch.setenv("WORKBENCH_VGL_DISPLAY", "egl1")
    assert WorkbenchDesktop(egl_device="egl2").rendering_settings().egl_device == "egl2"
    monkeypatch.delenv("WORKBENCH_VGL_DISPLAY")
    assert WorkbenchDesktop().rendering_settings().egl_device == "egl0"


async def test_sidecar_selected_when_the_3d_x_server_answers(tmp_path, virtualgl, dummy_xorg):
    selection = await modes.select_mode(settings(tmp_path, vgl_display=dummy_xorg))
    assert selection.mode == "sidecar", selection.rejected
    assert selection.rejected == []
    assert selection.session_env()["VGL_DISPLAY"] == dummy_xorg
    assert selection.vglrun_argv() == [virtualgl, "-d", dummy_xorg]


async def test_sidecar_without_vglrun_is_rejected(tmp_path, dummy_xorg):
    selection = await modes.select_mode(
        settings(tmp_path, vgl_display=dummy_xorg, vglrun=no_vglrun(tmp_path))
    )
    assert selection.mode == "software"
    assert "vglrun (VirtualGL) is not installed" in reasons(selection)["sidecar"]


async def test_unreachable_sidecar_falls_through_to_egl(tmp_path, virtualgl):
    selection = await modes.select_mode(
        settings(tmp_path, vgl_display=":199", allow_software_egl=True)
    )
    assert selection.mode == "egl"
    assert ":199" in reasons(selection)["sidecar"]


async def test_explicit_software_and_profile_policy(tmp_path, virtualgl, dummy_xorg):
    chosen = await modes.select_mode(
        settings(tmp_path, vgl_display=dummy_xorg, requested="software", source="config")
    )
    assert chosen.mode == "software"
    assert reasons(chosen) == {
        "sidecar": "software rendering was requested (config)",
        "xorg": "software rendering was requested (config)",
        "egl": "software rendering was requested (config)",
    }
    by_policy = await modes.select_mode(settings(tmp_path, vgl_display=dummy_xorg), "software")
    assert by_policy.mode == "software" and by_policy.source == "profile gpu policy"


async def test_explicit_egl_unusable_says_so(tmp_path):
    selection = await modes.select_mode(
        settings(tmp_path, requested="egl", source="env", vglrun=no_vglrun(tmp_path))
    )
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


def test_summary_keeps_virtualgl_and_acceleration_apart():
    # Real reports come from glxinfo in test_desktop_gpu_path.py; here, the wording.
    llvmpipe = "llvmpipe (LLVM 15.0.6, 256 bits)"
    egl = {"mode": "egl", "virtualgl": True, "renderer": llvmpipe, "accelerated": False}
    assert modes.summary(egl) == "VirtualGL (EGL) · llvmpipe, not accelerated"
    gpu = {**egl, "renderer": "NVIDIA H200/PCIe/SSE2", "accelerated": True}
    assert modes.summary(gpu) == "VirtualGL (EGL) · NVIDIA H200"
    bypassed = {**egl, "mode": "sidecar", "virtualgl": False}
    assert modes.summary(bypassed) == "GLX, VirtualGL not in use · llvmpipe, not accelerated"
    software = {"mode": "software", "virtualgl": False, "renderer": llvmpipe, "accelerated": False}
    assert modes.summary(software) == "software · llvmpipe, not accelerated"
    assert modes.summary({"mode": "egl", "error": "glxinfo failed"}) == "EGL · renderer unknown"
