"""Remote desktop backends: one per desktop profile, each an Xvnc + session on a unix socket.

Configuration (``jupyter_server_config.py``)::

    c.WorkbenchDesktop.profiles = [
        {"name": "desktop", "title": "Desktop", "geometry": "1920x1080"},
        {"name": "viz", "title": "3D desktop", "icon": "/srv/icons/viz.svg",
         "session": ["/opt/viz/xstartup"], "gpu": "require"},
    ]
    c.WorkbenchDesktop.rendering_mode = "auto"     # auto | sidecar | xorg | egl | software
    c.WorkbenchDesktop.activity = "input"          # input | all

Profile keys: ``name`` (required; URL-safe), ``title``, ``description``, ``icon`` (built-in
id, SVG markup or an .svg path), ``geometry`` (``WxH``), ``session`` (command list, or a
script path), ``gpu`` (``auto``: best mode available; ``software``: never VirtualGL;
``require``: refuse to start without a GPU mode), ``environment`` (dict), ``depth``.

The backend runs :mod:`jupyter_workbench.desktop.launch`, which starts Xvnc
(``-rfbunixpath <sock> -rfbunixmode 0600 -rfbport -1 -SecurityTypes None -displayfd``),
then the session (under ``vglrun +wm`` in GPU modes). Xvnc is ready when its socket
greets with the RFB banner; jupyter-server-proxy forwards the raw stream to noVNC at
``{base_url}<name>/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shlex
import sys
from collections.abc import Mapping
from typing import Any  # Any: JSON-like profile dicts and report values are heterogeneous

from traitlets import Bool, Dict, Enum, Float, Instance, Int, List, Unicode, default
from traitlets.config import Configurable, LoggingConfigurable

from ..core import rendering
from ..core.backend import (
    NAME_PATTERN,
    Backend,
    BackendError,
    Detection,
    DetectionSource,
    LaunchContext,
    LaunchPlan,
    find_executable,
    load_icon,
    program_version,
)
from ..core.readiness import ReadinessProbe
from . import modes, xutil
from .activity import InputActivityPolicy
from .xorg import MODULE_DIRS, XorgOptions, XorgServer
from .xorg import preflight as xorg_preflight

_GEOMETRY = re.compile(r"^\d{2,5}x\d{2,5}$")
_PROFILE_KEYS = {
    "name",
    "title",
    "description",
    "icon",
    "geometry",
    "session",
    "gpu",
    "environment",
    "depth",
}
#: Sessions tried, in order, when no session script is configured: a full desktop first,
#: then bare window managers.
FALLBACK_SESSIONS: tuple[str, ...] = ("xfce4-session", "openbox-session", "xfwm4", "twm")
#: Full desktops (a panel, a terminal, a file manager). A bare window manager is started
#: with a painted background and a terminal, so the first frame is never a black screen.
FULL_DESKTOPS = frozenset({"xfce4-session"})
#: Terminals a bare session opens (the first found), placed (USPosition: twm places it
#: without asking the user to drag an outline).
GREETING_TERMINALS: tuple[tuple[str, ...], ...] = (
    ("xterm", "-geometry", "100x30+40+40"),
    ("xfce4-terminal", "--geometry=100x30+40+40"),
)
#: The root window colour of a bare session.
BARE_BACKGROUND = "#3a5f7d"
#: Seconds after a desktop is first described running before its renderer is checked in
#: the background (glxinfo loads llvmpipe: not while the first frame is on its way).
RENDERER_CHECK_DELAY = 3.0
#: The launcher script (run without site packages: it needs only the standard library).
LAUNCHER = os.path.join(os.path.dirname(__file__), "launch.py")
#: How a desktop starts: a shell spawns Xvnc, then becomes the launcher (``exec`` keeps
#: its PID, so Xvnc is the launcher's child). Xvnc's own start-up (~100 ms) then runs
#: while Python starts (~20 ms) and while the backend chooses the rendering mode.
#: Arguments: python, launcher, the display pipe's read and write ends, Xvnc's argv.
PRESPAWN = (
    'py=$1 launcher=$2 rfd=$3 wfd=$4; shift 4; "$@" </dev/null & '
    'exec "$py" -S "$launcher" --xvnc-pid "$!" --display-fd "$rfd" --close-fd "$wfd" -'
)
#: The per-user session script.
USER_XSTARTUP = "~/.config/jupyter-workbench/xstartup"


class WorkbenchDesktop(LoggingConfigurable):
    """Desktop profiles and the settings shared by every desktop."""

    profiles = List(
        Dict(),
        default_value=[{"name": "desktop"}],
        help="""Desktop profiles; each one is a launcher tile (and a backend).

        Keys: ``name`` (required, URL-safe), ``title``, ``description``, ``icon``,
        ``geometry`` (``WxH``, default :attr:`geometry`), ``session`` (command list or
        script path; default: ``~/.config/jupyter-workbench/xstartup``, else the first of
        xfce4-session, openbox-session, xfwm4, twm; a bare window manager comes with a
        background and a terminal), ``gpu``
        (``auto`` | ``software`` | ``require``), ``environment`` (dict), ``depth``.""",
    ).tag(config=True)

    xvnc = Unicode(
        "", help="Path of Xvnc (TigerVNC or TurboVNC); empty = look on PATH and /opt/TurboVNC."
    ).tag(config=True)

    geometry = Unicode("1920x1080", help="Default screen size (WxH) of a new desktop.").tag(
        config=True
    )

    xvnc_args = List(
        Unicode(),
        default_value=[],
        help="Extra Xvnc options, e.g. ['-FrameRate', '30'] (TigerVNC).",
    ).tag(config=True)

    rendering_mode = Enum(
        ["", "auto", *rendering.MODES],
        default_value="",
        help="""How 3D apps render: ``sidecar`` (VirtualGL on a 3D X server someone else
        runs, e.g. the pod's Xorg sidecar), ``xorg`` (VirtualGL on an Xorg that Workbench
        starts on the GPU and shares between desktops), ``egl`` (VirtualGL EGL back end on
        the GPU), ``software`` (Mesa llvmpipe) or ``auto`` (the best usable one; it tries
        ``xorg`` only when an NVIDIA GPU, Xorg and nvidia_drv.so are present). Empty:
        $WORKBENCH_RENDERING_MODE, else auto.""",
    ).tag(config=True)

    xorg = Unicode("Xorg", help="Name or path of Xorg (the ``xorg`` mode's 3D X server).").tag(
        config=True
    )

    xorg_driver = Enum(
        ["nvidia", "dummy"],
        default_value="nvidia",
        help="""The Device driver of the ``xorg`` mode's Xorg: ``nvidia``. ``dummy``
        (Xorg's virtual video driver, no GPU, Mesa GLX, no BusID) is for tests and demos
        only: nothing it renders is accelerated.""",
    ).tag(config=True)

    xorg_bus_id = Unicode(
        "",
        help="""PCI address of the GPU the ``xorg`` mode drives (nvidia-smi's pci.bus_id,
        e.g. 00000000:3B:00.0, or Xorg's PCI:59@0:0:0). Empty: the first NVIDIA display
        controller in /sys/bus/pci.""",
    ).tag(config=True)

    xorg_config_file = Unicode(
        "",
        help="""An Xorg config installed by the admin for the ``xorg`` mode (then none is
        generated). Needed when Xorg runs with root rights through Xorg.wrap, which reads
        -config only relative to /etc/X11: e.g. ``workbench-xorg.conf``, generated once by
        ``python -m jupyter_workbench.core.xorgconf --bus-id …``.""",
    ).tag(config=True)

    xorg_virtual = Unicode("1920x1080", help="Screen size of the ``xorg`` mode's Xorg.").tag(
        config=True
    )

    xorg_display_base = Int(
        20, help="First X display number tried for the ``xorg`` mode's Xorg."
    ).tag(config=True)

    xorg_timeout = Float(
        30.0, help="Seconds the ``xorg`` mode's Xorg has to accept an X11 connection."
    ).tag(config=True)

    xorg_module_dirs = List(
        Unicode(),
        default_value=list(MODULE_DIRS),
        help="Where Xorg's modules are looked for (drivers/<driver>_drv.so).",
    ).tag(config=True)

    nvidia_dev_dir = Unicode(
        "/dev", help="Where the NVIDIA device nodes (nvidiactl, nvidia0, …) are."
    ).tag(config=True)

    vgl_display = Unicode(
        "",
        help="""The 3D X server for the sidecar mode (e.g. ``:0``).
        Empty: $WORKBENCH_VGL_DISPLAY; no value means no sidecar.""",
    ).tag(config=True)

    sidecar_timeout = Float(
        5.0, help="Seconds to wait for the sidecar's 3D X server to answer."
    ).tag(config=True)

    egl_device = Unicode(
        "",
        help="""VGL_DISPLAY for the EGL back end (egl0, egl1, … or /dev/dri/cardN).
        Empty: $WORKBENCH_VGL_DISPLAY when it names an EGL device, else egl0.""",
    ).tag(config=True)

    allow_software_egl = Bool(
        False,
        help="""Admit Mesa's software EGL device for the ``egl`` mode (VirtualGL's EGL back
        end on llvmpipe: VirtualGL runs, nothing is accelerated). For tests and benches
        of the VirtualGL path on machines without a GPU; off, a software EGL device is
        rejected as not a GPU.""",
    ).tag(config=True)

    vglrun = Unicode("vglrun", help="Name or path of VirtualGL's vglrun.").tag(config=True)
    eglinfo = Unicode("eglinfo", help="Name or path of eglinfo (confirms an EGL device).").tag(
        config=True
    )
    glxinfo = Unicode("glxinfo", help="Name or path of glxinfo (the renderer check).").tag(
        config=True
    )
    dri_dir = Unicode("/dev/dri", help="Where GPU device nodes (card*, renderD*) live.").tag(
        config=True
    )
    egl_vendor_dirs = List(
        Unicode(),
        default_value=["/usr/share/glvnd/egl_vendor.d", "/etc/glvnd/egl_vendor.d"],
        help="glvnd EGL vendor directories searched for NVIDIA's EGL file.",
    ).tag(config=True)

    activity = Enum(
        ["input", "all"],
        default_value="input",
        help="""What keeps the Jupyter server 'active' for idle culling: ``input`` (only
        keyboard, pointer and clipboard events sent by the viewer) or ``all`` (every
        WebSocket message, jupyter-server-proxy's default: an open tab never idles).""",
    ).tag(config=True)

    disable_screensaver = Bool(
        True, help="Turn off screen blanking, DPMS and XFCE's screensaver/locker."
    ).tag(config=True)

    display_timeout = Float(30.0, help="Seconds Xvnc has to report its display number.").tag(
        config=True
    )

    renderer_check_timeout = Float(20.0, help="Seconds the glxinfo renderer check may take.").tag(
        config=True
    )

    def xorg_options(self) -> XorgOptions:
        """How the ``xorg`` mode runs its 3D X server."""
        return XorgOptions(
            xorg=self.xorg,
            driver=self.xorg_driver,
            bus_id=self.xorg_bus_id,
            config_file=self.xorg_config_file,
            virtual=self.xorg_virtual,
            display_base=self.xorg_display_base,
            timeout=self.xorg_timeout,
            module_dirs=list(self.xorg_module_dirs),
            dev_dir=self.nvidia_dev_dir,
        )

    def rendering_settings(
        self, environ: Mapping[str, str] | None = None
    ) -> modes.RenderingSettings:
        """The mode-selection inputs: this config first, then the pod environment.

        The pod's contract (``WORKBENCH_*``, read by
        :func:`jupyter_workbench.core.rendering.rendering_settings` from ``environ``,
        default ``os.environ``) fills in what the server config leaves empty.
        """
        requested, source = self.rendering_mode, "c.WorkbenchDesktop.rendering_mode"
        vgl_display = self.vgl_display
        pod = rendering.rendering_settings(environ)
        if not requested:
            requested = pod["mode"] or "auto"
            source = rendering.ENV_MODE if pod["mode"] else "default"
        if not vgl_display:
            vgl_display = pod["vgl_display"] or ""
        timeout = pod["sidecar_timeout"] or self.sidecar_timeout
        return modes.RenderingSettings(
            requested=requested,
            vgl_display=vgl_display or None,
            sidecar_timeout=float(timeout),
            egl_device=self.egl_device or pod["egl_device"],
            vglrun=self.vglrun,
            eglinfo=self.eglinfo,
            glxinfo=self.glxinfo,
            dri_dir=self.dri_dir,
            egl_vendor_dirs=list(self.egl_vendor_dirs),
            allow_software_egl=self.allow_software_egl,
            source=source,
        )


class DesktopBackend(Backend):
    """One desktop profile: Xvnc on a unix socket plus a session, proxied as a raw stream."""

    kind = "desktop"
    extras_key = "desktop"
    settings = Instance(WorkbenchDesktop)
    geometry = Unicode("1920x1080", help="Screen size WxH.")
    depth = Unicode("24", help="Colour depth.")
    session = List(Unicode(), help="Session command; empty = user xstartup or a fallback WM.")
    gpu_policy = Enum(["auto", "software", "require"], default_value="auto")

    def __init__(
        self,
        detection_source: DetectionSource | None = None,
        xorg: XorgServer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        #: The catalogue's cached detection (probing Xvnc costs a process), if registered.
        self.detection_source = detection_source
        #: The server's shared 3D X server (the ``xorg`` mode), if it can start one.
        self.xorg = xorg
        self._xorg_held = False
        self.selection: modes.ModeSelection | None = None
        self._ctx: LaunchContext | None = None
        self._report: dict[str, Any] | None = None
        self._report_key: tuple[Any, ...] | None = None
        self._report_task: asyncio.Task[dict[str, Any]] | None = None
        self._prefetch: asyncio.TimerHandle | None = None
        self._prefetch_task: asyncio.Task[Any] | None = None
        if self.settings is not None and self.settings.activity == "input":
            self.proxy_options = {
                **self.proxy_options,
                "update_last_activity": InputActivityPolicy(self.log),
            }

    @default("name")
    def _default_name(self) -> str:
        return "desktop"

    @default("title")
    def _default_title(self) -> str:
        return "Desktop"

    @default("icon")
    def _default_icon(self) -> str:
        return "desktop"

    @default("description")
    def _default_description(self) -> str:
        return "A Linux desktop (Xvnc) in a JupyterLab tab"

    @property
    def raw_socket(self) -> bool:
        return True

    def readiness(self) -> ReadinessProbe:
        # The launcher logs "socket published" the moment it is: the supervisor probes on
        # output, so the interval is only a fallback.
        return ReadinessProbe(kind="rfb", timeout=self.timeout, interval=0.05)

    # ------------------------------------------------------------------ detection
    def _xvnc_path(self) -> str | None:
        configured = self.settings.xvnc if self.settings else ""
        if configured:
            return configured if os.access(configured, os.X_OK) else None
        path = os.environ.get("PATH", "") + os.pathsep + "/opt/TurboVNC/bin"
        return find_executable(["Xvnc"], path=path)

    async def detect(self) -> Detection:
        exe = self._xvnc_path()
        if not exe:
            return Detection(
                available=False,
                reason="No VNC server (Xvnc) is installed",
                install_hint="Install TigerVNC (apt install tigervnc-standalone-server) "
                "or TurboVNC",
            )
        output = await program_version([exe, "-version"], timeout=5.0) or ""
        flavour = "turbovnc" if "turbovnc" in output.lower() else "tigervnc"
        version_line = next(
            (line.strip() for line in output.splitlines() if "vnc" in line.lower()), None
        )
        session, source = resolve_session(self.session)
        if session is None:
            return Detection(
                available=False,
                executable=exe,
                version=version_line,
                reason="No window manager found (xfce4-session, openbox, xfwm4 or twm)",
                install_hint="Install a desktop: apt install openbox xterm (or xfce4)",
                details={"flavour": flavour},
            )
        details: dict[str, Any] = {
            "flavour": flavour,
            "session": session,
            "session_source": source,
        }
        if self.settings is not None and self.settings.rendering_mode == "xorg":
            problem = xorg_preflight(self.settings.xorg_options())
            details["xorg"] = problem or "the 3D X server can be started"
            if problem and self.gpu_policy == "require":
                return Detection(
                    available=False,
                    executable=exe,
                    version=version_line,
                    reason=f"this desktop requires GPU rendering (xorg mode), but its 3D X "
                    f"server cannot start: {problem}",
                    install_hint="fix the 3D X server as said, or set the profile's gpu to "
                    "'auto' (software rendering when no GPU mode is usable)",
                    details=details,
                )
        return Detection(available=True, version=version_line, executable=exe, details=details)

    # ------------------------------------------------------------------ launch
    @staticmethod
    def rfb_socket(ctx: LaunchContext) -> str:
        """Where Xvnc listens until the launcher publishes it at ``ctx.socket_path``."""
        return os.path.join(ctx.socket_dir, "x")  # shorter than "sock": path limit 107 B

    def xvnc_argv(self, exe: str, flavour: str, ctx: LaunchContext) -> list[str]:
        """Xvnc's command line (the launcher adds ``-displayfd``)."""
        common = [
            "-geometry",
            self.geometry,
            "-depth",
            self.depth,
            "-nolisten",
            "tcp",
            "-desktop",
            self.title or self.name,
        ]
        if flavour == "turbovnc":
            # TurboVNC: -rfbunixpath alone disables TCP; remote resize is built in.
            argv = [
                exe,
                "-rfbunixpath",
                self.rfb_socket(ctx),
                "-rfbunixmode",
                "0600",
                "-securitytypes",
                "none",
                "-alwaysshared",
                *common,
            ]
        else:
            argv = [
                exe,
                "-rfbunixpath",
                self.rfb_socket(ctx),
                "-rfbunixmode",
                "0600",
                "-rfbport",
                "-1",
                "-SecurityTypes",
                "None",
                "-AcceptSetDesktopSize",
                "-AlwaysShared",
                # Every viewer reaches Xvnc through one unix socket, so all are the same
                # peer: TigerVNC's blacklist (5 connections not yet past the security
                # handshake, per peer) would refuse the 6th viewer opening at once.
                "-BlacklistTimeout",
                "0",
                *common,
            ]
        return [*argv, *(self.settings.xvnc_args if self.settings else [])]

    async def _detection(self) -> Detection:
        """The catalogue's cached detection (probing Xvnc costs a process), else a fresh one."""
        if self.detection_source is not None:
            detection = await self.detection_source(self.name)
            if detection.available:
                session, source = resolve_session(self.session)  # cheap: no process
                if session is not None:
                    detection.details.update(session=session, session_source=source)
            return detection
        return await self.detect()

    async def launch_plan(self, ctx: LaunchContext) -> LaunchPlan:
        """Xvnc is spawned at once; the rendering mode is chosen while it starts.

        The plan's ``prepare`` runs the mode probes (a sidecar's X server, the ``xorg``
        mode's Xorg, ``eglinfo``) concurrently with Xvnc's own start-up and hands the
        launcher its spec (the session command and environment) on standard input.
        """
        detection = await self._detection()
        if not detection.available:
            raise BackendError(
                detection.reason or "the desktop is not available", detection.install_hint
            )
        os.makedirs(ctx.socket_dir, mode=0o700, exist_ok=True)
        os.chmod(ctx.socket_dir, 0o700)
        xauthority = os.path.join(ctx.socket_dir, "Xauthority")
        cookie = xutil.write_xauthority(xauthority)
        read_fd, write_fd = os.pipe()  # Xvnc's -displayfd; both ends go to the shell
        xvnc_argv = [
            *self.xvnc_argv(detection.executable or "Xvnc", detection.details["flavour"], ctx),
            "-auth",
            xauthority,
            "-displayfd",
            str(write_fd),
        ]

        async def prepare() -> bytes:
            spec = await self.launch_spec(ctx, detection)
            if spec.get("xauth_displays"):  # the xorg mode's 3D X server: its cookie too
                others = [(int(n), bytes.fromhex(c)) for n, c in spec["xauth_displays"]]
                xutil.write_xauthority(xauthority, cookie, others)
            spec["xauthority"] = xauthority
            return json.dumps(spec).encode("utf-8")

        return LaunchPlan(
            argv=[
                "/bin/sh",
                "-c",
                PRESPAWN,
                "workbench-desktop",
                sys.executable,
                LAUNCHER,
                str(read_fd),
                str(write_fd),
                *xvnc_argv,
            ],
            cwd=os.path.expanduser("~"),
            prepare=prepare,
            pass_fds=(read_fd, write_fd),
        )

    async def launch_spec(self, ctx: LaunchContext, detection: Detection) -> dict[str, Any]:
        """The launcher's spec (:mod:`jupyter_workbench.desktop.launch`): choose the
        rendering mode, then the session command and environment that go with it."""
        settings = self.settings or WorkbenchDesktop()
        selection = await modes.select_mode(
            settings.rendering_settings(), self.gpu_policy, xorg=self.xorg, user=self.name
        )
        self._xorg_held = selection.mode == "xorg"
        if self.gpu_policy == "require" and not selection.gpu:
            reasons = "; ".join(f"{r['mode']}: {r['reason']}" for r in selection.rejected)
            raise BackendError(
                f"desktop {self.name!r} requires GPU rendering, but none is usable ({reasons})",
                "Run this session on a GPU node with VirtualGL, or use a software profile",
            )
        self.selection = selection
        self._ctx = ctx
        self._report, self._report_key = None, None
        session = detection.details["session"]
        spec: dict[str, Any] = {
            "session_argv": [*selection.vglrun_argv(wm=True), *session],
            "session_env": {
                **selection.session_env(),
                "WORKBENCH_DESKTOP": self.name,
                "XDG_SESSION_TYPE": "x11",
                **self.render_env(ctx),
            },
            "rfb_socket": self.rfb_socket(ctx),
            "socket": ctx.socket_path,
            "state_file": self.state_file(ctx),
            "display_timeout": settings.display_timeout,
            "disable_screensaver": settings.disable_screensaver,
            "cwd": os.path.expanduser("~"),
        }
        if selection.mode == "xorg" and self.xorg is not None and self.xorg.backend.cookie:
            number = rendering.parse_display(selection.vgl_display or "")
            if number is not None:
                spec["xauth_displays"] = [[number[1], self.xorg.backend.cookie.hex()]]
        spec["notes"] = self._rendering_notes(selection)
        self.log.info("[workbench] %s: rendering mode %s", self.name, selection.mode)
        return spec

    def _rendering_notes(self, selection: modes.ModeSelection) -> list[str]:
        """What the desktop's log says about its rendering (and the 3D X server's)."""
        notes = [f"rendering mode {selection.mode} (requested: {selection.requested})"]
        if selection.mode == "xorg" and self.xorg is not None:
            info = self.xorg.status(log_tail=0)
            notes.append(
                f"3D X server {info['display']}: Xorg pid {info['pid']} ({info['driver']} "
                f"driver), config {info['config']}, log {info['log_file']}"
            )
        for rejected in selection.rejected:
            if selection.requested in {"auto", rejected["mode"]}:
                notes.append(f"{rejected['mode']} not used: {rejected['reason']}")
        if self.xorg is not None and selection.requested == "xorg" and selection.mode != "xorg":
            notes += [f"Xorg: {line}" for line in self.xorg.status(log_tail=10)["log_tail"]]
        return notes + list(selection.warnings)

    @staticmethod
    def state_file(ctx: LaunchContext) -> str:
        """Where the launcher publishes the running desktop's display and PIDs."""
        return os.path.join(ctx.socket_dir, "session.json")

    def session_state(self) -> dict[str, Any] | None:
        """``{display, xvnc_pid, session_pid, xauthority, …}`` while the desktop runs."""
        if self._ctx is None:
            return None
        try:
            with open(self.state_file(self._ctx), encoding="utf-8") as handle:
                state = json.load(handle)
        except (OSError, ValueError):
            return None
        return state if isinstance(state, dict) else None

    async def after_stop(self, ctx: LaunchContext) -> None:
        if self._xorg_held and self.xorg is not None:
            self._xorg_held = False
            await self.xorg.release(self.name)
        self._report, self._report_key = None, None
        if self._prefetch is not None:
            self._prefetch.cancel()
            self._prefetch = None

    def _start_prefetch(self, key: tuple[Any, ...]) -> None:
        """Run the renderer check in the background if the same desktop still runs."""
        self._prefetch = None
        state = self.session_state() or {}
        if (state.get("xvnc_pid"), state.get("display")) == key and self._report_key != key:
            self._prefetch_task = asyncio.ensure_future(self.renderer_report())

    # ------------------------------------------------------------------ renderer
    async def renderer_report(self, refresh: bool = False) -> dict[str, Any] | None:
        """The renderer report of the running desktop (cached per Xvnc process)."""
        state = self.session_state()
        if not state or self.selection is None:
            return None
        key = (state.get("xvnc_pid"), state.get("display"))
        if not refresh and self._report is not None and self._report_key == key:
            return self._report
        if self._report_task is None or self._report_task.done() or refresh:
            self._report_task = asyncio.ensure_future(
                modes.renderer_report(
                    state["display"],
                    state.get("xauthority"),
                    self.selection,
                    (self.settings or WorkbenchDesktop()).rendering_settings(),
                    timeout=self.settings.renderer_check_timeout if self.settings else 20.0,
                )
            )
        report = await asyncio.shield(self._report_task)
        report["name"] = self.name
        self._report, self._report_key = report, key
        return report

    def extra_info(self) -> dict[str, Any]:
        state = self.session_state() or {}
        key = (state.get("xvnc_pid"), state.get("display"))
        report = self._report if self._report_key == key else None
        if state and report is None and self.selection is not None and self._prefetch is None:
            with contextlib.suppress(RuntimeError):  # no running loop: nothing to schedule
                self._prefetch = asyncio.get_running_loop().call_later(
                    RENDERER_CHECK_DELAY, self._start_prefetch, key
                )
        return {
            "profile": self.name,
            "geometry": self.geometry,
            "gpu_policy": self.gpu_policy,
            "display": state.get("display"),
            "xauthority": state.get("xauthority"),
            "xvnc_pid": state.get("xvnc_pid"),
            "session_pid": state.get("session_pid"),
            "rendering_mode": self.selection.mode if self.selection else None,
            "renderer": report,
            "renderer_summary": modes.summary(report),
            "xorg": self.xorg.status()
            if self.xorg is not None and self.selection and self.selection.mode == "xorg"
            else None,
        }


def resolve_session(configured: list[str]) -> tuple[list[str] | None, str]:
    """The session command and where it came from (admin, user xstartup or a fallback)."""
    if configured:
        return list(configured), "configured"
    user = os.path.expanduser(USER_XSTARTUP)
    if os.path.isfile(user):
        argv = [user] if os.access(user, os.X_OK) else ["/bin/sh", user]
        return argv, USER_XSTARTUP
    for program in FALLBACK_SESSIONS:
        wm = find_executable([program])
        if wm is None:
            continue
        if program in FULL_DESKTOPS:
            return [wm], program
        return bare_session(wm)
    return None, "none"


def bare_session(wm: str) -> tuple[list[str], str]:
    """A bare window manager's session: paint the background, open a terminal, run the WM."""
    lines, parts = [], [os.path.basename(wm)]
    xsetroot = find_executable(["xsetroot"])
    if xsetroot:
        lines.append(f"{shlex.quote(xsetroot)} -solid {shlex.quote(BARE_BACKGROUND)}")
        parts.append("background")
    for name, *args in GREETING_TERMINALS:
        terminal = find_executable([name])
        if terminal:
            lines.append(shlex.join([terminal, *args]) + " &")
            parts.append(name)
            break
    lines.append(f"exec {shlex.quote(wm)}")
    return ["/bin/sh", "-c", "\n".join(lines)], " + ".join(parts)


def _session_argv(value: Any) -> list[str]:
    if isinstance(value, list) and all(isinstance(part, str) for part in value) and value:
        return value
    if isinstance(value, str) and value.strip():
        path = os.path.expanduser(value.strip())
        if os.path.isfile(path):
            return [path] if os.access(path, os.X_OK) else ["/bin/sh", path]
        return shlex.split(value)
    raise ValueError("'session' must be a non-empty command list or a script path")


def profile_backend(
    profile: dict[str, Any],
    settings: WorkbenchDesktop,
    parent: Configurable,
    detection_source: DetectionSource | None = None,
    xorg: XorgServer | None = None,
) -> DesktopBackend:
    """Build the backend of one profile; raise ``ValueError`` for a bad profile."""
    if not isinstance(profile, dict):
        raise ValueError("a desktop profile must be a dict")
    unknown = set(profile) - _PROFILE_KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)} (known: {sorted(_PROFILE_KEYS)})")
    name = profile.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValueError(f"'name' must match {NAME_PATTERN.pattern}, not {name!r}")
    geometry = str(profile.get("geometry") or settings.geometry)
    if not _GEOMETRY.match(geometry):
        raise ValueError(f"'geometry' must look like 1920x1080, not {geometry!r}")
    gpu = profile.get("gpu", "auto")
    if gpu not in {"auto", "software", "require"}:
        raise ValueError(f"'gpu' must be auto, software or require, not {gpu!r}")
    traits: dict[str, Any] = {
        "name": name,
        "geometry": geometry,
        "gpu_policy": gpu,
        "settings": settings,
    }
    if gpu == "require":
        # A 3D desktop: its own icon and tooltip, unless the profile names them.
        traits["icon"] = "desktop-3d"
        traits["description"] = "A Linux desktop with 3D graphics on the GPU (VirtualGL)"
    for key in ("title", "description"):
        if key in profile:
            traits[key] = str(profile[key])
    if "depth" in profile:
        traits["depth"] = str(int(profile["depth"]))
    if "session" in profile:
        traits["session"] = _session_argv(profile["session"])
    if "environment" in profile:
        env = profile["environment"]
        if not isinstance(env, dict):
            raise ValueError("'environment' must be a dict")
        traits["environment"] = {str(k): str(v) for k, v in env.items()}
    backend = DesktopBackend(parent=parent, detection_source=detection_source, xorg=xorg, **traits)
    if "icon" in profile:
        backend.icon = load_icon(str(profile["icon"]))
    return backend


def desktop_backends(
    settings: WorkbenchDesktop,
    parent: Configurable,
    detection_source: DetectionSource | None = None,
    xorg: XorgServer | None = None,
) -> list[DesktopBackend]:
    """One backend per configured desktop profile (bad profiles are logged and skipped);
    they all share ``xorg``, the server's 3D X server for the ``xorg`` mode."""
    found: list[DesktopBackend] = []
    for index, profile in enumerate(settings.profiles):
        try:
            found.append(profile_backend(profile, settings, parent, detection_source, xorg))
        except (ValueError, TypeError) as err:
            label = profile.get("name") if isinstance(profile, dict) else index
            settings.log.error("[workbench] ignoring desktop profile %r: %s", label, err)
    return found
