"""Rendering mode selection and the renderer check of a running desktop.

Modes, best first:

``sidecar``
    VirtualGL's GLX back end on a reachable 3D X server (the Xorg sidecar of the pod,
    ``VGL_DISPLAY=:0``). Tried only when a 3D X display is configured.
``xorg``
    VirtualGL's GLX back end on an Xorg that Workbench starts on the GPU and shares
    between the desktops (:mod:`jupyter_workbench.desktop.xorg`). ``auto`` tries it only
    when an NVIDIA GPU, Xorg and NVIDIA's Xorg driver are present.
``egl``
    VirtualGL's EGL back end on a GPU device: ``vglrun`` present, a device node
    (``/dev/dri/card*``, ``renderD*``) or NVIDIA's EGL vendor file, confirmed by ``eglinfo``.
    Mesa's software EGL device is not a GPU: it is admitted only when
    ``allow_software_egl`` is set (tests and benches of VirtualGL itself).
``software``
    Mesa (llvmpipe) inside Xvnc's own GLX: always possible, never accelerated.

An explicitly configured mode is honoured when its requirements are met; otherwise the
selection falls back (to software) and says why. Whatever the selection, the renderer
report comes from ``glxinfo -B`` run on the desktop's display (through ``vglrun`` in GPU
modes), so the UI shows the renderer actually in use. The report keeps two facts apart:
``virtualgl`` (the GLX server vendor is VirtualGL's faker) and ``accelerated`` (the
renderer is not a software rasterizer).
"""

from __future__ import annotations

import glob
import os
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any  # Any: glxinfo facts and report values are heterogeneous

from ..core.backend import find_executable
from ..core.process import run_capture
from ..core.rendering import GPU_MODES, MODES, wait_for_x_server
from .xorg import XorgServer, XorgUnavailable, auto_eligible

#: Renderer strings of software rasterizers.
SOFTWARE_RENDERERS = re.compile(
    r"llvmpipe|softpipe|swrast|software rasterizer|lavapipe", re.IGNORECASE
)
#: Mesa EGL driver names of software rasterizers.
SOFTWARE_EGL_DRIVERS = {"swrast", "kms_swrast", "llvmpipe", "softpipe"}
#: Where VirtualGL installs its programs when they are not on PATH.
VIRTUALGL_BIN = "/opt/VirtualGL/bin"


@dataclass
class RenderingSettings:
    """What the mode selection looks at (from config, then the pod environment).

    Attributes:
        requested: ``auto`` or one of :data:`jupyter_workbench.core.rendering.MODES`.
        vgl_display: The 3D X server of the sidecar (e.g. ``:0``); ``None`` = no sidecar.
        sidecar_timeout: Seconds to wait for the sidecar's X server to answer.
        egl_device: ``VGL_DISPLAY`` for the EGL back end (``egl0``, ``/dev/dri/card0``).
        vglrun: Name or path of ``vglrun``.
        eglinfo: Name or path of ``eglinfo``; ``eglinfo_args`` its arguments.
        glxinfo: Name or path of ``glxinfo``.
        dri_dir: Where GPU device nodes live.
        egl_vendor_dirs: glvnd EGL vendor directories (for ``10_nvidia.json``).
        allow_software_egl: Admit Mesa's software EGL device for the EGL back end.
        source: Where ``requested``/``vgl_display`` came from (for the report).
    """

    requested: str = "auto"
    vgl_display: str | None = None
    sidecar_timeout: float = 5.0
    egl_device: str = "egl0"
    vglrun: str = "vglrun"
    eglinfo: str = "eglinfo"
    eglinfo_args: list[str] = field(default_factory=list)
    glxinfo: str = "glxinfo"
    dri_dir: str = "/dev/dri"
    egl_vendor_dirs: list[str] = field(
        default_factory=lambda: ["/usr/share/glvnd/egl_vendor.d", "/etc/glvnd/egl_vendor.d"]
    )
    allow_software_egl: bool = False
    source: str = "default"


@dataclass
class ModeSelection:
    """The chosen mode and why each better one was rejected."""

    mode: str
    requested: str
    source: str
    vglrun: str | None = None
    vgl_display: str | None = None
    rejected: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    selected_at: float = field(default_factory=time.time)

    @property
    def gpu(self) -> bool:
        """Whether the session runs under VirtualGL."""
        return self.mode in GPU_MODES

    def session_env(self) -> dict[str, str]:
        """Environment for the session (and every app it starts)."""
        env = {"WORKBENCH_RENDERING_MODE": self.mode}
        if self.gpu and self.vglrun and self.vgl_display:
            env.update(
                {
                    "VGL_DISPLAY": self.vgl_display,
                    "VGL_COMPRESS": "proxy",  # Xvnc is a local X proxy: no image transport
                    "WORKBENCH_VGLRUN": self.vglrun,
                }
            )
        return env

    def vglrun_argv(self, *, wm: bool = False) -> list[str]:
        """``vglrun [+wm] -d <display>`` in GPU modes, else nothing."""
        if not (self.gpu and self.vglrun and self.vgl_display):
            return []
        return [self.vglrun, *(["+wm"] if wm else []), "-d", self.vgl_display]

    def to_json(self) -> dict[str, Any]:
        """Serialise for the REST API."""
        return asdict(self)


def find_tool(name: str) -> str | None:
    """``name`` as given when it is a path, else on PATH, else in /opt/VirtualGL/bin."""
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    path = os.environ.get("PATH", "") + os.pathsep + VIRTUALGL_BIN
    return find_executable([name], path=path)


async def x_server_reachable(display: str, timeout: float) -> tuple[bool, str]:
    """Whether an X server answers on ``display`` within ``timeout`` seconds.

    Waits for the X11 handshake with :func:`jupyter_workbench.core.rendering.wait_for_x_server`.
    """
    report = await wait_for_x_server(display, timeout)
    return bool(report["ok"]), str(report["reason"])


def gpu_device_evidence(settings: RenderingSettings) -> list[str]:
    """Device nodes and NVIDIA EGL vendor files that suggest a usable GPU."""
    found = sorted(
        glob.glob(os.path.join(settings.dri_dir, "card*"))
        + glob.glob(os.path.join(settings.dri_dir, "renderD*"))
    )
    for folder in settings.egl_vendor_dirs:
        found.extend(sorted(glob.glob(os.path.join(folder, "*nvidia*.json"))))
    return found


def parse_eglinfo(text: str) -> list[dict[str, str]]:
    """Sections of ``eglinfo`` output: ``{"section", "vendor", "driver"}`` for each display."""
    sections: list[dict[str, str]] = []
    current: dict[str, str] = {"section": ""}
    for raw in text.splitlines():
        line = raw.strip()
        if line.endswith("platform:") or re.match(r"^Device #\d+:$", line):
            if "vendor" in current:
                sections.append(current)
            current = {"section": line.rstrip(":")}
        elif line.startswith("EGL vendor string:"):
            if "vendor" in current:
                sections.append(current)
                current = {"section": current["section"]}
            current["vendor"] = line.split(":", 1)[1].strip()
        elif line.startswith("EGL driver name:"):
            current["driver"] = line.split(":", 1)[1].strip()
    if "vendor" in current:
        sections.append(current)
    return sections


def hardware_egl(sections: list[dict[str, str]]) -> list[dict[str, str]]:
    """The sections whose EGL implementation is a GPU driver, not a software rasterizer."""
    found = []
    for section in sections:
        vendor = section.get("vendor", "")
        driver = section.get("driver", "")
        if "mesa" not in vendor.lower():
            found.append(section)  # NVIDIA's EGL (no Mesa software fallback there)
        elif driver and driver not in SOFTWARE_EGL_DRIVERS:
            found.append(section)  # a Mesa hardware driver (radeonsi, iris, …)
    return found


async def check_sidecar(settings: RenderingSettings, vglrun: str | None) -> str | None:
    """``None`` when the sidecar mode is usable, else why not."""
    if not settings.vgl_display:
        return (
            "no 3D X server is configured (WORKBENCH_VGL_DISPLAY or c.WorkbenchDesktop.vgl_display)"
        )
    if not vglrun:
        return (
            f"3D X server {settings.vgl_display} is configured but vglrun (VirtualGL) "
            "is not installed"
        )
    ok, detail = await x_server_reachable(settings.vgl_display, settings.sidecar_timeout)
    if not ok:
        return detail or f"the 3D X server {settings.vgl_display} is not reachable"
    return None


async def check_egl(
    settings: RenderingSettings, vglrun: str | None, warnings: list[str]
) -> str | None:
    """``None`` when the VirtualGL EGL mode is usable, else why not."""
    if not vglrun:
        return "vglrun (VirtualGL) is not installed"
    evidence = gpu_device_evidence(settings)
    if not evidence and not settings.allow_software_egl:
        return (
            f"no GPU device node ({settings.dri_dir}/card*, renderD*) and no NVIDIA EGL "
            "vendor file (10_nvidia.json)"
        )
    eglinfo = find_tool(settings.eglinfo)
    if not eglinfo:
        if not evidence:
            return "eglinfo is not installed: no EGL device could be confirmed"
        warnings.append("eglinfo is not installed: the EGL device was not confirmed before use")
        return None
    code, out = await run_capture(
        [eglinfo, *settings.eglinfo_args],
        env={"XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR") or "/tmp"},
        timeout=15.0,
    )
    if code is None:
        return f"eglinfo failed: {out.strip()[:200]}"
    sections = parse_eglinfo(out)
    if hardware_egl(sections):
        return None
    devices = [s for s in sections if s["section"].startswith("Device #")]
    if settings.allow_software_egl and devices:
        warnings.append(
            "the EGL device is a software renderer, admitted by allow_software_egl: "
            "VirtualGL runs, nothing is accelerated"
        )
        return None
    seen = sorted({f"{s.get('vendor')} {s.get('driver', '')}".strip() for s in sections})
    return (
        "eglinfo found no hardware EGL device"
        + (f" (only: {', '.join(seen)})" if seen else "")
        + ": a software EGL device is not a GPU"
    )


async def check_xorg(
    vglrun: str | None, xorg: XorgServer | None, user: str, auto: bool
) -> tuple[str | None, str | None]:
    """``(None, display)`` once the shared 3D X server runs for ``user``, else ``(why, None)``.

    In ``auto`` the mode is tried only when an NVIDIA GPU, Xorg and NVIDIA's Xorg driver
    are present; an explicit request runs the full preflight and start.
    """
    if xorg is None:
        return "no 3D X server can be started from here", None
    if auto:
        why = auto_eligible(xorg.options)
        if why:
            return why, None
    if not vglrun:
        return "vglrun (VirtualGL) is not installed", None
    try:
        display, _cookie = await xorg.acquire(user)
    except XorgUnavailable as err:
        return str(err), None
    return None, display


async def select_mode(
    settings: RenderingSettings,
    gpu_policy: str = "auto",
    *,
    xorg: XorgServer | None = None,
    user: str = "desktop",
) -> ModeSelection:
    """Pick the best usable mode; record why each better one was rejected.

    ``gpu_policy`` (from the desktop profile): ``auto`` (best available), ``software``
    (never VirtualGL) or ``require`` (the caller refuses to start without a GPU mode).
    ``xorg`` is the server's shared 3D X server: selecting the ``xorg`` mode starts (or
    joins) it for desktop ``user``, who must release it when the desktop stops.
    """
    requested = settings.requested if settings.requested in MODES else "auto"
    source = settings.source
    if gpu_policy == "software" and requested == "auto":
        requested, source = "software", "profile gpu policy"
    vglrun = find_tool(settings.vglrun)
    selection = ModeSelection(mode="software", requested=requested, source=source, vglrun=vglrun)
    for mode in GPU_MODES:
        if requested not in {"auto", mode}:
            why = (
                "software rendering was requested"
                if requested == "software"
                else f"rendering mode {requested!r} was requested"
            )
            selection.rejected.append({"mode": mode, "reason": f"{why} ({source})"})
            continue
        display: str | None
        if mode == "sidecar":
            reason = await check_sidecar(settings, vglrun)
            display = settings.vgl_display
        elif mode == "xorg":
            reason, display = await check_xorg(vglrun, xorg, user, auto=requested == "auto")
        else:
            reason = await check_egl(settings, vglrun, selection.warnings)
            display = settings.egl_device
        if reason is None:
            selection.mode = mode
            selection.vgl_display = display
            return selection
        selection.rejected.append({"mode": mode, "reason": reason})
    if requested in GPU_MODES:
        selection.warnings.append(
            f"rendering mode {requested!r} was requested but is not usable; using software"
        )
    return selection


#: The GLX server vendor string of VirtualGL's faker (what apps see under ``vglrun``).
VIRTUALGL_GLX_VENDOR = "VirtualGL"
#: Short names of the rendering modes for the summary line.
MODE_LABELS = {"sidecar": "GLX", "xorg": "GLX", "egl": "EGL", "software": "software"}


def parse_glxinfo(text: str) -> dict[str, Any]:
    """The renderer facts in ``glxinfo`` (or ``glxinfo -B``) output."""
    facts: dict[str, Any] = {}
    keys = {
        "server glx vendor string": "glx_vendor",
        "OpenGL renderer string": "renderer",
        "OpenGL vendor string": "vendor",
        "OpenGL version string": "version",
        "OpenGL core profile version string": "core_version",
        "direct rendering": "direct_rendering",
        "Accelerated": "accelerated_flag",
        "Vendor": "device_vendor",
        "Device": "device",
        "Video memory": "video_memory",
    }
    for raw in text.splitlines():
        if ":" not in raw:
            continue
        key, value = raw.split(":", 1)
        name = keys.get(key.strip())
        if name and name not in facts:
            facts[name] = value.strip()
    if "direct_rendering" in facts:
        facts["direct_rendering"] = facts["direct_rendering"].lower().startswith("yes")
    return facts


def is_accelerated(facts: dict[str, Any]) -> bool | None:
    """GPU-accelerated? From Mesa's ``Accelerated:`` line, else from the renderer string."""
    flag = facts.get("accelerated_flag")
    renderer = facts.get("renderer")
    if renderer and SOFTWARE_RENDERERS.search(renderer):
        return False
    if flag:
        return str(flag).lower().startswith("yes")
    if renderer:
        return True
    return None


async def renderer_report(
    display: str,
    xauthority: str | None,
    selection: ModeSelection,
    settings: RenderingSettings,
    timeout: float = 20.0,
) -> dict[str, Any]:
    """Run ``glxinfo`` on ``display`` (under vglrun in GPU modes) and describe the result.

    The full output, not ``-B``: only it has the GLX server vendor string, which tells
    whether VirtualGL's faker answered (``virtualgl``), apart from ``accelerated``.
    """
    report: dict[str, Any] = {
        "display": display,
        "mode": selection.mode,
        "requested_mode": selection.requested,
        "requested_by": selection.source,
        "rejected": list(selection.rejected),
        "warnings": list(selection.warnings),
        "vgl_display": selection.vgl_display,
        "virtualgl": None,
        "glx_vendor": None,
        "renderer": None,
        "vendor": None,
        "version": None,
        "direct_rendering": None,
        "accelerated": None,
        "checked_at": time.time(),
        "command": None,
        "error": None,
    }
    glxinfo = find_tool(settings.glxinfo)
    if not glxinfo:
        report["error"] = "glxinfo is not installed (apt install mesa-utils)"
        return report
    argv = [*selection.vglrun_argv(), glxinfo]
    env = {**selection.session_env(), "DISPLAY": display}
    if xauthority:
        env["XAUTHORITY"] = xauthority
    report["command"] = argv
    code, out = await run_capture(argv, env=env, timeout=timeout)
    facts = parse_glxinfo(out)
    if code != 0 or "renderer" not in facts:
        tail = " ".join(out.strip().splitlines()[-3:])[:300]
        report["error"] = f"glxinfo failed (exit {code}): {tail}"
        return report
    accelerated = is_accelerated(facts)
    virtualgl = facts.get("glx_vendor") == VIRTUALGL_GLX_VENDOR
    report.update(
        {
            "virtualgl": virtualgl,
            "glx_vendor": facts.get("glx_vendor"),
            "renderer": facts.get("renderer"),
            "vendor": facts.get("vendor"),
            "version": facts.get("version"),
            "direct_rendering": facts.get("direct_rendering"),
            "accelerated": accelerated,
        }
    )
    if selection.gpu and not virtualgl:
        report["warnings"].append(
            f"mode {selection.mode} runs glxinfo under vglrun, but the GLX server vendor is "
            f"{facts.get('glx_vendor')!r}, not VirtualGL: VirtualGL is NOT in use"
        )
    if selection.gpu and accelerated is False:
        report["warnings"].append(
            f"VirtualGL ({selection.mode}) is in use but the renderer is "
            f"{facts.get('renderer')}: rendering is NOT accelerated"
        )
    return report


def short_renderer(renderer: str) -> str:
    """``llvmpipe`` for ``llvmpipe (LLVM 15.0.6, 256 bits)``, ``NVIDIA H200`` for
    ``NVIDIA H200/PCIe/SSE2``."""
    return renderer.split(" (", 1)[0].split("/", 1)[0].strip() or renderer


def summary(report: dict[str, Any] | None) -> str | None:
    """One line for the UI badge: whether VirtualGL is in use, apart from acceleration.

    ``VirtualGL (EGL) · NVIDIA H200``, ``VirtualGL (EGL) · llvmpipe, not accelerated``,
    ``software · llvmpipe, not accelerated``, ``egl, VirtualGL not in use · llvmpipe, …``.
    """
    if not report:
        return None
    mode = report["mode"]
    label = MODE_LABELS.get(mode, mode)
    if report.get("error") or not report.get("renderer"):
        return f"{label} · renderer unknown"
    how = label
    if mode in GPU_MODES:
        in_use = report.get("virtualgl")
        how = f"VirtualGL ({label})" if in_use else f"{label}, VirtualGL not in use"
    line = f"{how} · {short_renderer(report['renderer'])}"
    return line if report.get("accelerated") else f"{line}, not accelerated"
