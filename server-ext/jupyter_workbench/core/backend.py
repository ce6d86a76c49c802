"""What a backend declares: detection, command, readiness and launcher entry.

A backend is a :class:`Backend` (a traitlets ``LoggingConfigurable``); the supervisor
(:mod:`jupyter_workbench.core.supervisor`) runs it and jupyter-server-proxy proxies it from
``{base_url}{url_path}/`` to its unix socket.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any  # Any: detection details and traitlets proposals are JSON-like

from traitlets import Bool, Dict, Enum, Float, Int, Unicode, validate
from traitlets.config import LoggingConfigurable

from .process import run_capture
from .readiness import ReadinessProbe

#: Backend names are used in URLs and file names.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


@dataclass
class Detection:
    """Result of looking for a backend's program on this machine.

    Attributes:
        available: Whether the backend can be started.
        version: Version string reported by the program, if known.
        reason: Why the backend is unavailable (shown on the disabled tile).
        install_hint: What to install to make it available.
        executable: Absolute path of the program found.
        details: Backend-specific facts (e.g. flavour, runtime checks).
    """

    available: bool
    version: str | None = None
    reason: str | None = None
    install_hint: str | None = None
    executable: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Serialise for the REST API."""
        return asdict(self)


@dataclass
class LaunchContext:
    """Facts the supervisor hands a backend when it builds its command.

    Attributes:
        name: Backend name.
        socket_path: Unix socket the backend must listen on.
        socket_dir: The backend's private (0700) directory holding the socket.
        base_url: Jupyter's base URL, e.g. ``/user/alice/``.
        url: Path the backend is proxied at, e.g. ``/user/alice/vscode/``.
        root_dir: Jupyter's root (notebook) directory.
    """

    name: str
    socket_path: str
    socket_dir: str
    base_url: str
    url: str
    root_dir: str

    def template_args(self) -> dict[str, str]:
        """Values for ``{placeholder}`` substitution in command templates."""
        return {
            "name": self.name,
            "unix_socket": self.socket_path,
            "socket_dir": self.socket_dir,
            "base_url": self.base_url,
            "url": self.url,
            "root_dir": self.root_dir,
        }


@dataclass
class LaunchPlan:
    """The process to spawn: argv, extra environment and working directory.

    ``loopback_port`` is only for programs that cannot listen on a unix socket (see
    :mod:`jupyter_workbench.core.loopback`): a bound ``127.0.0.1`` socket whose port the
    program was told to listen on. The supervisor releases it just before the spawn and
    bridges the backend's unix socket to that port once the listener is the program's.

    ``prepare`` is work the backend finishes *after* the spawn, while the program starts up
    (e.g. the desktop's rendering-mode probes run while Xvnc initialises): the supervisor
    runs it concurrently, writes the bytes it returns to the program's standard input and
    closes it. The backend is ready only once it has returned; a :class:`BackendError` it
    raises fails the start and stops the process group.

    ``pass_fds`` are descriptors the program inherits (e.g. a pipe the desktop's Xvnc
    reports its display on); the supervisor closes its own copies once it has spawned.
    """

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    loopback_port: socket.socket | None = None
    prepare: Callable[[], Awaitable[bytes]] | None = None
    pass_fds: tuple[int, ...] = ()


class Backend(LoggingConfigurable):
    """Base class of every backend (built-in or configured by an admin)."""

    name = Unicode(help="URL-safe backend name (lower case, digits, dashes).").tag(config=True)
    title = Unicode(help="Title on the launcher tile.").tag(config=True)
    description = Unicode("", help="One-line description shown as the tile's tooltip.").tag(
        config=True
    )
    icon = Unicode(
        "",
        help="Launcher icon: a built-in icon id (desktop, vscode, rstudio, app) or SVG markup.",
    ).tag(config=True)
    kind = Enum(
        ["web", "desktop"],
        default_value="web",
        help="How the frontend opens it: 'web' in an iframe or tab, 'desktop' in the noVNC viewer.",
    )
    open_in = Enum(
        ["tab", "window"],
        default_value="tab",
        help="Default place to open: a JupyterLab tab (iframe) or a new browser tab.",
    ).tag(config=True)
    allows_framing = Bool(
        True, help="Whether the app can be shown inside an iframe (else it opens in a browser tab)."
    ).tag(config=True)
    enabled = Bool(True, help="Offer this backend at all.").tag(config=True)
    timeout = Float(60.0, help="Seconds the backend has to become ready after it is spawned.").tag(
        config=True
    )
    restart_on_crash = Bool(
        True, help="Restart automatically (with capped exponential backoff) after a crash."
    ).tag(config=True)
    max_restarts = Int(
        5, help="Consecutive automatic restarts before the backend is left failed."
    ).tag(config=True)
    stop_grace = Float(
        5.0, help="Seconds between SIGTERM and SIGKILL when the backend is stopped."
    ).tag(config=True)
    environment = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        help="Extra environment variables; values may use {unix_socket}, {base_url}, ….",
    ).tag(config=True)
    proxy_options = Dict(
        help=(
            "Extra jupyter-server-proxy ServerProcess options for this backend "
            "(absolute_url, request_headers_override, rewrite_response, …)."
        )
    ).tag(config=True)

    @validate("name")
    def _validate_name(self, proposal: dict[str, Any]) -> str:
        value: str = proposal["value"]
        if not NAME_PATTERN.match(value):
            raise ValueError(
                f"backend name {value!r} must match {NAME_PATTERN.pattern} (used in URLs)"
            )
        return value

    @property
    def url_path(self) -> str:
        """Path below ``base_url`` where the backend is proxied (no slashes)."""
        return self.name

    @property
    def raw_socket(self) -> bool:
        """Whether the proxy forwards raw WebSocket streams (VNC) instead of HTTP."""
        return False

    @property
    def open_path(self) -> str:
        """Path below the proxied URL that the UI opens (e.g. ``?folder=…``)."""
        return ""

    def readiness(self) -> ReadinessProbe:
        """How the supervisor tells that the backend is ready."""
        return ReadinessProbe(kind="http", path="/", timeout=self.timeout)

    async def detect(self) -> Detection:
        """Look for the backend's program; must not raise."""
        raise NotImplementedError

    async def launch_plan(self, ctx: LaunchContext) -> LaunchPlan:
        """Build the process to spawn for ``ctx``; raise :class:`BackendError` to refuse."""
        raise NotImplementedError

    async def after_stop(self, ctx: LaunchContext) -> None:
        """Hook called once the process group is gone (clean up private files)."""

    #: Key under which :meth:`extra_info` appears in ``GET backends/{name}`` (the feature's
    #: name, e.g. ``"desktop"``; its shape is in ``schemas/``); ``None``: no extras.
    extras_key: str | None = None

    def extra_info(self) -> dict[str, Any]:
        """Backend-specific facts, shown under :attr:`extras_key` in ``GET backends/{name}``."""
        return {}

    def render_env(self, ctx: LaunchContext) -> dict[str, str]:
        """The configured :attr:`environment`, with placeholders filled in."""
        args = ctx.template_args()
        return {key: value.format(**args) for key, value in self.environment.items()}


#: Looks up a backend's cached detection by name (:meth:`.catalogue.Catalogue.detection`).
DetectionSource = Callable[[str], Awaitable[Detection]]


class BackendError(Exception):
    """A backend refuses to start; the message (and hint) is shown to the user."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


async def program_version(
    argv: list[str], timeout: float = 10.0, env: dict[str, str] | None = None
) -> str | None:
    """Run ``argv`` (e.g. ``[exe, "--version"]``) and return its combined output, or ``None``."""
    code, out = await run_capture(argv, env=env, timeout=timeout)
    if code is None:
        return None
    return out.strip()


def find_executable(names: list[str] | tuple[str, ...], path: str | None = None) -> str | None:
    """Return the absolute path of the first of ``names`` found on ``PATH``."""
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return os.path.abspath(found)
    return None


def load_icon(icon: str) -> str:
    """Icons may be given as a path to an SVG file; inline its markup."""
    if icon and not icon.lstrip().startswith("<") and icon.endswith(".svg"):
        try:
            with open(icon, encoding="utf-8") as handle:
                return handle.read()
        except OSError:
            return ""
    return icon
