"""The ``xorg`` rendering mode's 3D X server: an Xorg that Workbench starts on the GPU.

The single-host form of the Kubernetes sidecar: on a GPU workstation or (v)GPU VM, the
desktops' apps render through VirtualGL's GLX back end on an Xorg driving the GPU, and
Workbench runs that Xorg itself.

* Its config comes from :func:`jupyter_workbench.core.xorgconf.xorg_config`, the generator
  the Kubernetes sidecar uses, for the GPU's PCI BusID (``c.WorkbenchDesktop.xorg_bus_id``,
  else the first NVIDIA display controller in ``/sys/bus/pci``).
* It runs on a free display number with ``-nolisten tcp -nolisten local`` (no TCP, no
  abstract socket: only ``/tmp/.X11-unix/X<N>``), and a per-server cookie (``-auth``, an
  Xauthority file 0600 in a 0700 directory). Each desktop's Xauthority gets that cookie
  for display ``N``, so VirtualGL in the desktop can open it.
* It is a process of the backend supervisor (:mod:`jupyter_workbench.core.supervisor`):
  ready when an X11 connection setup with the cookie succeeds, restarted after a crash
  (same display, same cookie), its output kept as its log. Every desktop of the server
  shares it (:meth:`XorgServer.acquire`); it stops when the last desktop releases it.
* When it cannot start, :func:`preflight` (before starting) and :func:`classify_failure`
  (Xorg's own output) say exactly why and what an admin must change.

``c.WorkbenchDesktop.xorg_driver = "dummy"`` (Xorg's virtual video driver, no GPU, Mesa
GLX) exists for tests and demos only: it runs the same path without a GPU, and nothing it
renders is accelerated.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from typing import Any  # Any: status values are JSON-like

from ..core.backend import Backend, BackendError, LaunchContext, LaunchPlan
from ..core.readiness import ReadinessProbe
from ..core.supervisor import ManagedProcess, State, Supervisor
from ..core.xorgconf import NO_ABSTRACT_SOCKET, XORG_ARGS, xorg_config
from . import xutil

#: The supervisor's name for the shared 3D X server (not a launcher backend).
NAME = "xorg-3d"
#: Where Xorg modules are looked for (``drivers/<driver>_drv.so``).
MODULE_DIRS = (
    "/usr/lib/xorg/modules",
    "/usr/lib64/xorg/modules",
    "/usr/lib/x86_64-linux-gnu/xorg/modules",
    "/usr/lib/aarch64-linux-gnu/xorg/modules",
)
#: The setuid wrapper Debian/Ubuntu's /usr/bin/Xorg runs when installed (xserver-xorg-legacy).
XORG_WRAP = "/usr/lib/xorg/Xorg.wrap"
XWRAPPER_CONFIG = "/etc/X11/Xwrapper.config"
#: PCI vendor id of NVIDIA; class 0x03xxxx is a display controller.
NVIDIA_VENDOR = "0x10de"
INSTALL_NVIDIA_XORG = (
    "install the Xorg driver of the NVIDIA driver, the same version as the kernel module "
    "(Debian: xserver-xorg-video-nvidia; Ubuntu: xserver-xorg-video-nvidia-<branch>; "
    "NVIDIA's .run installer puts nvidia_drv.so in /usr/lib/xorg/modules/drivers)"
)


class XorgUnavailable(Exception):
    """The 3D X server cannot run here; the message says why and what to change."""


@dataclass
class XorgOptions:
    """How to run the 3D X server (from ``c.WorkbenchDesktop.xorg_*``).

    Attributes:
        xorg: Name or path of Xorg.
        driver: ``nvidia`` (production) or ``dummy`` (tests and demos only).
        bus_id: The GPU's PCI address (nvidia-smi or Xorg form); empty = discover.
        config_file: An admin-installed config (then nothing is generated); needed when
            Xorg runs with root rights through Xorg.wrap (Xorg then reads ``-config`` only
            relative to /etc/X11).
        virtual: The 3D X server's screen size.
        display_base: The first display number tried.
        timeout: Seconds Xorg has to complete an X11 connection setup.
        module_dirs: Where Xorg modules are looked for.
        dev_dir: Where the NVIDIA device nodes are.
        sysfs_pci: ``/sys/bus/pci/devices`` (GPU discovery).
        xorg_wrap: The setuid wrapper; ``xwrapper_config`` its settings.
    """

    xorg: str = "Xorg"
    driver: str = "nvidia"
    bus_id: str = ""
    config_file: str = ""
    virtual: str = "1920x1080"
    display_base: int = 20
    timeout: float = 30.0
    module_dirs: list[str] = field(default_factory=lambda: list(MODULE_DIRS))
    dev_dir: str = "/dev"
    sysfs_pci: str = "/sys/bus/pci/devices"
    xorg_wrap: str = XORG_WRAP
    xwrapper_config: str = XWRAPPER_CONFIG


# --- discovery and preflight ---------------------------------------------------------------


def find_xorg(name: str) -> str | None:
    """Xorg as given when it is a path, else on PATH, else /usr/lib/xorg/Xorg."""
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    found = shutil.which(name)
    if found:
        return found
    fallback = "/usr/lib/xorg/Xorg"
    return fallback if name == "Xorg" and os.access(fallback, os.X_OK) else None


def find_driver(driver: str, module_dirs: list[str]) -> str | None:
    """``<dir>/drivers/<driver>_drv.so`` in the first module directory that has it."""
    for folder in module_dirs:
        path = os.path.join(folder, "drivers", f"{driver}_drv.so")
        if os.path.exists(path):
            return path
    return None


def nvidia_gpus(sysfs_pci: str) -> list[str]:
    """PCI addresses (``0000:3b:00.0``) of NVIDIA display controllers, from sysfs."""
    found = []
    for device in sorted(glob.glob(os.path.join(sysfs_pci, "*"))):
        try:
            with open(os.path.join(device, "vendor"), encoding="ascii") as handle:
                vendor = handle.read().strip()
            with open(os.path.join(device, "class"), encoding="ascii") as handle:
                klass = handle.read().strip()
        except OSError:
            continue
        if vendor == NVIDIA_VENDOR and klass.startswith("0x03"):
            found.append(os.path.basename(device))
    return found


def nvidia_device_nodes(dev_dir: str) -> list[str]:
    """``nvidiactl`` and ``nvidia<N>`` character devices (or stand-ins) in ``dev_dir``."""
    nodes = sorted(glob.glob(os.path.join(dev_dir, "nvidia[0-9]*")))
    ctl = os.path.join(dev_dir, "nvidiactl")
    return ([ctl] if os.path.exists(ctl) else []) + nodes


def xwrapper_settings(path: str) -> dict[str, str]:
    """``allowed_users`` and ``needs_root_rights`` of Xwrapper.config (with their defaults)."""
    settings = {"allowed_users": "console", "needs_root_rights": "auto"}
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                line = raw.split("#", 1)[0].strip()
                key, sep, value = line.partition("=")
                if sep and key.strip() in settings:
                    settings[key.strip()] = value.strip()
    except OSError:
        pass
    return settings


def _describe_node(path: str) -> str:
    try:
        info = os.stat(path)
    except OSError:
        return path
    mode = stat.filemode(info.st_mode)
    try:
        import grp

        group = grp.getgrgid(info.st_gid).gr_name
    except (KeyError, ImportError):
        group = str(info.st_gid)
    return f"{path} ({mode}, group {group})"


def preflight(options: XorgOptions, *, euid: int | None = None) -> str | None:
    """Why the 3D X server cannot start here (and what an admin must change), or ``None``.

    Checks, in order: Xorg is installed; its ``<driver>_drv.so`` is installed; for the
    nvidia driver, the NVIDIA device nodes exist and this user may open them (apps render
    on them through VirtualGL, whoever runs Xorg); when not root, that Xorg.wrap lets this
    user start Xorg and that the config is one Xorg accepts with root rights.
    """
    euid = os.geteuid() if euid is None else euid
    xorg = find_xorg(options.xorg)
    if xorg is None:
        return (
            f"Xorg is not installed ({options.xorg} not found): install the X server "
            "(Debian/Ubuntu: apt install xserver-xorg-core)"
        )
    if options.driver == "nvidia":
        if find_driver("nvidia", options.module_dirs) is None:
            return (
                "NVIDIA's Xorg driver nvidia_drv.so is not installed (looked in "
                f"{', '.join(d + '/drivers' for d in options.module_dirs)}): " + INSTALL_NVIDIA_XORG
            )
        nodes = nvidia_device_nodes(options.dev_dir)
        if not nodes:
            return (
                f"no NVIDIA device node in {options.dev_dir} (nvidiactl, nvidia0): the NVIDIA "
                "kernel module is not loaded, or this container was started without the GPU "
                "(check nvidia-smi; with Docker pass --gpus, in Kubernetes request nvidia.com/gpu)"
            )
        denied = [path for path in nodes if not os.access(path, os.R_OK | os.W_OK)]
        if denied:
            return (
                f"no access to {', '.join(_describe_node(p) for p in denied)} for uid {euid}: "
                "add the user to the devices' group (usually video) or make the NVIDIA "
                "device nodes 0666 (NVreg_DeviceFileMode=0666, the driver's default)"
            )
    elif find_driver(options.driver, options.module_dirs) is None:
        return (
            f"Xorg's {options.driver} driver ({options.driver}_drv.so) is not installed "
            f"(looked in {', '.join(d + '/drivers' for d in options.module_dirs)})"
            + (": apt install xserver-xorg-video-dummy" if options.driver == "dummy" else "")
        )
    if euid != 0 and os.access(options.xorg_wrap, os.X_OK):
        wrapper = xwrapper_settings(options.xwrapper_config)
        if wrapper["allowed_users"] != "anybody":
            return (
                f"not root (uid {euid}) and Xorg.wrap refuses: {options.xwrapper_config} has "
                f"allowed_users={wrapper['allowed_users']}, so only a console user may start "
                "Xorg and this Jupyter server has no console: set allowed_users=anybody and "
                f"needs_root_rights=yes in {options.xwrapper_config}"
            )
        if wrapper["needs_root_rights"] == "yes" and not options.config_file:
            return (
                "Xorg.wrap starts Xorg with root rights, and Xorg then reads -config only "
                "relative to /etc/X11: generate the config once as root (python -m "
                "jupyter_workbench.core.xorgconf --bus-id <nvidia-smi pci.bus_id> > "
                "/etc/X11/workbench-xorg.conf) and set "
                "c.WorkbenchDesktop.xorg_config_file = 'workbench-xorg.conf'"
            )
    return None


def auto_eligible(options: XorgOptions) -> str | None:
    """``None`` when ``auto`` should try the ``xorg`` mode (an NVIDIA GPU, Xorg and
    NVIDIA's Xorg driver are all present), else which of them is missing."""
    if options.driver != "nvidia":
        return (
            f"the {options.driver} Xorg driver is for tests and demos: "
            "the xorg mode is used only when requested"
        )
    if not (nvidia_gpus(options.sysfs_pci) or nvidia_device_nodes(options.dev_dir)):
        return "no NVIDIA GPU (no NVIDIA display controller in /sys/bus/pci, no /dev/nvidia*)"
    if find_xorg(options.xorg) is None:
        return "an NVIDIA GPU is present but Xorg is not installed (apt install xserver-xorg-core)"
    if find_driver("nvidia", options.module_dirs) is None:
        return (
            "an NVIDIA GPU is present but NVIDIA's Xorg driver nvidia_drv.so is not: "
            + INSTALL_NVIDIA_XORG
        )
    return None


#: Xorg's own words for the failures an admin can fix, and the fix.
_FAILURES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Only console users are allowed to run the X server"),
        "not root and Xorg.wrap refuses: only console users may start Xorg "
        "(allowed_users=console): set allowed_users=anybody and needs_root_rights=yes in "
        "/etc/X11/Xwrapper.config",
    ),
    (
        re.compile(
            r"(Cannot open /dev/tty0|Cannot open virtual console \d+) \(Permission denied\)"
        ),
        "not root and Xorg has no root rights: it cannot open the console. Install Xorg.wrap "
        "(Debian/Ubuntu: xserver-xorg-legacy) with allowed_users=anybody and "
        "needs_root_rights=yes in /etc/X11/Xwrapper.config, or run the Jupyter server as root",
    ),
    (
        re.compile(r'Failed to load module "nvidia" \(module does not exist'),
        "NVIDIA's Xorg driver nvidia_drv.so is not installed: " + INSTALL_NVIDIA_XORG,
    ),
    (
        re.compile(
            r"NVIDIA(\(\d+\))?: Failed to initialize the NVIDIA kernel module"
            r"|open\(?\)? /dev/nvidia\S* failed|Failed to open /dev/nvidia",
            re.IGNORECASE,
        ),
        "Xorg cannot use the NVIDIA kernel module: no access to /dev/nvidia*, or the kernel "
        "module is missing or of another version than the Xorg driver (check nvidia-smi and "
        "dmesg; the device nodes must be readable and writable)",
    ),
    (
        re.compile(r"API mismatch"),
        "the NVIDIA kernel module and its Xorg driver are different versions: install the "
        "Xorg driver of the same version as the kernel module (nvidia-smi shows it)",
    ),
    (
        re.compile(r"Server is already active for display (\d+)"),
        "another X server already runs on the display chosen for the 3D X server",
    ),
    (
        re.compile(r"Cannot open log file"),
        "Xorg cannot write its log file (run as root, or through Xorg.wrap with a home "
        "directory it can write ~/.local/share/xorg in)",
    ),
    (
        re.compile(r"no screens found|Screen\(s\) found, but none have a usable configuration"),
        "Xorg found no usable screen: the GPU at the configured BusID is not one its driver "
        "can drive (check c.WorkbenchDesktop.xorg_bus_id against nvidia-smi's pci.bus_id)",
    ),
)


def classify_failure(text: str) -> str | None:
    """What an admin must change, from Xorg's output or log; ``None`` when not recognised."""
    for pattern, reason in _FAILURES:
        if pattern.search(text):
            return reason
    return None


def last_error(text: str) -> str | None:
    """Xorg's last non-empty ``(EE)`` line, or its ``Fatal server error`` explanation."""
    # Xorg ends some messages with the next line's "(EE)" marker: "no screens found(EE)".
    lines = [line.strip().removesuffix("(EE)").rstrip() for line in text.splitlines()]
    for index, line in enumerate(lines):
        if line.startswith("Fatal server error") and index + 1 < len(lines):
            message = lines[index + 1].removeprefix("(EE)").strip()
            if message:
                return message
    errors = [line.removeprefix("(EE)").strip() for line in lines if line.startswith("(EE)")]
    errors = [line for line in errors if line]
    return errors[-1] if errors else None


# --- the supervised process ------------------------------------------------------------------


def display_free(number: int) -> bool:
    """Whether no live X server holds display ``number`` (lock or listening socket)."""
    lock = xutil.lock_path(number)
    if os.path.lexists(lock):
        pid = xutil.read_lock_pid(lock)
        if pid is None or xutil.pid_alive(pid):
            return False
    sock = xutil.socket_path(number)
    return not (os.path.lexists(sock) and xutil.socket_listening(sock))


class XorgBackend(Backend):
    """The 3D X server as the supervisor runs it (never a launcher tile)."""

    def __init__(self, options: XorgOptions, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options
        self.display: int | None = None
        self.cookie: bytes | None = None
        self.config_path: str | None = None
        self.log_file: str | None = None
        self._auth_file: str | None = None

    def readiness(self) -> ReadinessProbe:
        return ReadinessProbe(
            kind="x11", timeout=self.options.timeout, interval=0.1, xauthority=self.auth_file
        )

    @property
    def auth_file(self) -> str | None:
        """The Xauthority file Xorg reads its cookie from (``-auth``)."""
        return self._auth_file

    def _choose_display(self) -> int:
        if self.display is not None and display_free(self.display):
            return self.display  # a restart keeps the display the desktops know
        for number in range(self.options.display_base, self.options.display_base + 200):
            if display_free(number):
                return number
        raise BackendError("no free X display number for the 3D X server")

    async def launch_plan(self, ctx: LaunchContext) -> LaunchPlan:
        reason = preflight(self.options)
        if reason:
            raise BackendError(reason)
        xorg = find_xorg(self.options.xorg) or self.options.xorg
        os.makedirs(ctx.socket_dir, mode=0o700, exist_ok=True)
        os.chmod(ctx.socket_dir, 0o700)
        if self.options.config_file:
            config = self.options.config_file
        else:
            bus_id = self.options.bus_id or None
            if bus_id is None and self.options.driver == "nvidia":
                gpus = nvidia_gpus(self.options.sysfs_pci)
                if not gpus:
                    raise BackendError(
                        "no NVIDIA display controller in /sys/bus/pci: "
                        "set c.WorkbenchDesktop.xorg_bus_id (nvidia-smi --query-gpu=pci.bus_id)"
                    )
                bus_id = gpus[0]
            try:
                text = xorg_config(bus_id, driver=self.options.driver, virtual=self.options.virtual)
            except ValueError as err:
                raise BackendError(f"cannot generate the Xorg config: {err}") from err
            config = os.path.join(ctx.socket_dir, "xorg.conf")
            fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
        self.config_path = config
        self._auth_file = os.path.join(ctx.socket_dir, "xauth")
        self.cookie = xutil.write_xauthority(self._auth_file, self.cookie)
        self.display = self._choose_display()
        ctx.socket_path = xutil.socket_path(self.display)
        argv = [xorg, f":{self.display}", "-config", config, "-auth", self._auth_file]
        argv += [*XORG_ARGS, *NO_ABSTRACT_SOCKET]  # stderr: warnings and errors only
        wrapped = os.geteuid() != 0 and os.access(self.options.xorg_wrap, os.X_OK)
        if wrapped:  # Xorg with root rights refuses -logfile: it logs to ~/.local/share/xorg
            self.log_file = os.path.expanduser(f"~/.local/share/xorg/Xorg.{self.display}.log")
        else:
            self.log_file = os.path.join(ctx.socket_dir, "Xorg.log")
            argv += ["-logfile", self.log_file]
        return LaunchPlan(argv=argv, cwd=ctx.socket_dir)


class XorgServer:
    """The desktops' shared 3D X server: started on first use, stopped after the last.

    Args:
        supervisor: Runs and restarts the Xorg process.
        socket_root: The private runtime directory (its ``xorg-3d/`` holds config and cookie).
        options: How to run Xorg.
        backoff_base, backoff_cap: Restart delays after a crash (as for backends).
    """

    def __init__(
        self,
        supervisor: Supervisor,
        socket_root: str,
        options: XorgOptions,
        *,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
    ) -> None:
        self.supervisor = supervisor
        self.options = options
        self.backend = XorgBackend(options, name=NAME, title="3D X server (Xorg)")
        socket_dir = os.path.join(socket_root, NAME)
        self.ctx = LaunchContext(
            name=NAME,
            socket_path=os.path.join(socket_dir, "unused"),
            socket_dir=socket_dir,
            base_url="/",
            url="/",
            root_dir=socket_root,
        )
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.users: set[str] = set()
        self.last_failure: str | None = None

    @property
    def managed(self) -> ManagedProcess:
        """The supervised Xorg process (registered with the supervisor on first use)."""
        managed = self.supervisor.get(NAME)
        if managed is None or managed.backend is not self.backend:
            managed = self.supervisor.add(
                self.backend, self.ctx, backoff_base=self.backoff_base, backoff_cap=self.backoff_cap
            )
        return managed

    @property
    def display(self) -> str | None:
        """``:N`` of the running 3D X server."""
        if self.backend.display is None:
            return None
        return f":{self.backend.display}"

    async def acquire(self, user: str) -> tuple[str, bytes]:
        """Start (or join) the 3D X server for desktop ``user``: ``(display, cookie)``.

        Raises :class:`XorgUnavailable` with the reason when it cannot run.
        """
        reason = preflight(self.options)
        if reason:
            self.last_failure = reason
            raise XorgUnavailable(reason)
        managed = self.managed
        self.users.add(user)
        state = await managed.start()
        if state != State.RUNNING or self.backend.cookie is None or self.display is None:
            self.users.discard(user)
            reason = self.failure_reason()
            self.last_failure = reason
            raise XorgUnavailable(reason)
        self.last_failure = None
        return self.display, self.backend.cookie

    async def release(self, user: str) -> None:
        """Desktop ``user`` no longer needs the 3D X server; stop it after the last one."""
        self.users.discard(user)
        if not self.users and self.supervisor.get(NAME) is not None:
            await self.managed.stop()

    def output(self) -> str:
        """Xorg's output (the supervisor's log) and its log file, for classification."""
        text = "\n".join(self.managed.logs)
        if self.backend.log_file:
            try:
                with open(self.backend.log_file, encoding="utf-8", errors="replace") as handle:
                    text += "\n" + handle.read()[-20000:]
            except OSError:
                pass
        return text

    def failure_reason(self) -> str:
        """Why the last start failed: Xorg's words classified, else its last error."""
        managed = self.managed
        text = self.output()
        reason = classify_failure(text)
        detail = last_error(text)
        base = managed.error or "the 3D X server did not start"
        if reason:
            return f"{reason} (Xorg: {detail})" if detail else reason
        return f"{base}: {detail}" if detail else base

    def status(self, log_tail: int = 20) -> dict[str, Any]:
        """The 3D X server's state, display, config, users and log tail (for the UI)."""
        managed = self.supervisor.get(NAME)
        info = managed.status(log_tail) if managed is not None else {"state": "stopped"}
        return {
            "state": info.get("state", "stopped"),
            "display": self.display,
            "pid": info.get("pid"),
            "restarts": info.get("restarts", 0),
            "error": info.get("error") or self.last_failure,
            "driver": self.options.driver,
            "config": self.backend.config_path,
            "log_file": self.backend.log_file,
            "users": sorted(self.users),
            "log_tail": info.get("log_tail", []),
        }
