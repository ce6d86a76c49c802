"""The Jupyter Workbench server extension app."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import tempfile
from typing import Any, Callable

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Dict, Float, Int, List, Unicode, default

from ._version import __version__
from .backends.base import Backend, Detection, LaunchContext
from .features import FEATURE_MODULES
from .supervisor import BACKOFF_BASE, BACKOFF_CAP, Supervisor

#: Backend names that would shadow Jupyter's own routes.
RESERVED_NAMES = frozenset(
    {
        "api",
        "lab",
        "tree",
        "files",
        "static",
        "workbench",
        "nbconvert",
        "edit",
        "view",
        "notebooks",
        "terminals",
        "kernels",
        "login",
        "logout",
        "metrics",
        "server-proxy",
        "proxy",
    }
)


class WorkbenchApp(ExtensionApp):
    """Starts, watches and proxies the Workbench backends (desktop, VS Code, RStudio, …)."""

    name = "jupyter_workbench"
    app_name = "Jupyter Workbench"
    description = "Remote desktops, web IDEs and GPU status for JupyterLab"
    version = __version__
    load_other_extensions = True

    backends = Dict(
        default_value={},
        help="""Extra backends, keyed by name (see :mod:`jupyter_workbench.backends.custom`).

        Each value is a dict with at least ``command`` (a list with ``{unix_socket}``,
        ``{base_url}``, ``{url}``, ``{socket_dir}``, ``{root_dir}`` placeholders), and
        optionally ``title``, ``description``, ``icon``, ``readiness``, ``environment``,
        ``cwd``, ``open_in`` (tab|window), ``allows_framing``, ``install_hint``,
        ``restart_on_crash``, ``max_restarts``, ``stop_grace``, ``proxy_options``.
        The backend must listen on ``{unix_socket}``; it is proxied at ``{base_url}<name>/``.
        """,
    ).tag(config=True)

    disabled_backends = List(
        Unicode(),
        default_value=[],
        help="Names of built-in backends not to offer (e.g. ['rstudio']).",
    ).tag(config=True)

    runtime_dir = Unicode(
        help="""Directory under which the private (0700) socket directory is created.

        Defaults to $XDG_RUNTIME_DIR when it exists, else the system temp directory.
        Unix socket paths are limited to 107 bytes, so keep it short.""",
    ).tag(config=True)

    restart_backoff_base = Float(
        BACKOFF_BASE, help="First automatic-restart delay in seconds after a crash (doubles)."
    ).tag(config=True)

    restart_backoff_cap = Float(
        BACKOFF_CAP, help="Longest automatic-restart delay in seconds."
    ).tag(config=True)

    websocket_ping_interval = Float(
        30.0,
        help="""Seconds between WebSocket pings to browsers (0 = Jupyter's default, none).

        Keeps long-lived proxied WebSockets (VS Code, desktops) from being dropped by idle
        timeouts of proxies in between (close code 1006 after a quiet spell).""",
    ).tag(config=True)

    status_log_lines = Int(
        20, help="Log lines included with each backend status (the UI's live log tail)."
    ).tag(config=True)

    @default("runtime_dir")
    def _default_runtime_dir(self) -> str:
        xdg = os.environ.get("XDG_RUNTIME_DIR")
        if xdg and os.path.isdir(xdg) and os.access(xdg, os.W_OK):
            return xdg
        return tempfile.gettempdir()

    # ------------------------------------------------------------------ lifecycle
    def initialize_settings(self) -> None:
        """Create the private runtime directory, the catalogue and the supervisor."""
        base = self.runtime_dir
        os.makedirs(base, exist_ok=True)
        self.socket_root = tempfile.mkdtemp(prefix="jupyter-workbench-", dir=base)
        os.chmod(self.socket_root, 0o700)
        self.supervisor = Supervisor(self.socket_root, self.log)
        #: Cross-feature hooks, e.g. ``hooks["desktop_renderer"]`` (see features.py).
        self.hooks: dict[str, Callable[..., Any]] = {}
        self.catalogue: dict[str, Backend] = {}
        self._detections: dict[str, Detection] = {}
        self._detect_task: asyncio.Future[None] | None = None
        self._features: list[Any] = []
        for backend in self._load_backends():
            self._register(backend)

    def _load_backends(self) -> list[Backend]:
        from .backends.builtin import builtin_backends
        from .backends.custom import CommandBackend

        found: list[Backend] = []
        for backend in builtin_backends(self):
            if backend.name in self.disabled_backends or not backend.enabled:
                continue
            found.append(backend)
        for name, spec in self.backends.items():
            try:
                backend = CommandBackend.from_config(name, spec, parent=self)
            except Exception as err:  # config errors must not take the server down
                self.log.error("[workbench] ignoring backend %r: %s", name, err)
                continue
            if backend.enabled:
                found.append(backend)
        return found

    def _register(self, backend: Backend) -> None:
        if backend.name in RESERVED_NAMES:
            self.log.error("[workbench] backend name %r is reserved; ignored", backend.name)
            return
        if backend.name in self.catalogue:
            self.log.warning(
                "[workbench] backend %r defined twice; the later one wins", backend.name
            )
        base_url = self.serverapp.base_url
        socket_dir = os.path.join(self.socket_root, backend.name)
        ctx = LaunchContext(
            name=backend.name,
            socket_path=os.path.join(socket_dir, "sock"),
            socket_dir=socket_dir,
            base_url=base_url,
            url=url_path_join(base_url, backend.url_path) + "/",
            root_dir=os.path.abspath(os.path.expanduser(self.serverapp.root_dir)),
        )
        self.catalogue[backend.name] = backend
        self.supervisor.add(
            backend,
            ctx,
            backoff_base=self.restart_backoff_base,
            backoff_cap=self.restart_backoff_cap,
        )

    def initialize_handlers(self) -> None:
        """Register the REST API, the proxies and the feature handlers."""
        from .handlers.backends import backend_handlers, fallback_handlers
        from .proxy import proxy_handlers

        self.handlers.extend(backend_handlers())
        for module_name in FEATURE_MODULES:
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            self._features.append(module)
            for path, handler, *kwargs in module.setup(self):
                self.handlers.append(
                    (url_path_join("workbench", path), handler, kwargs[0] if kwargs else {})
                )
        self.handlers.extend(fallback_handlers())
        self.serverapp.web_app.add_handlers(".*", proxy_handlers(self))
        settings = self.serverapp.web_app.settings
        if self.websocket_ping_interval > 0 and not settings.get("websocket_ping_interval"):
            settings["websocket_ping_interval"] = self.websocket_ping_interval

    async def stop_extension(self) -> None:
        """Stop every backend (TERM, grace, KILL) and the features; remove the sockets."""
        for module in self._features:
            teardown = getattr(module, "teardown", None)
            if teardown is not None:
                try:
                    await teardown(self)
                except Exception:
                    self.log.exception("[workbench] teardown of %s failed", module.__name__)
        await self.supervisor.stop_all()

    # ------------------------------------------------------------------ catalogue
    async def detections(self, refresh: bool = False) -> dict[str, Detection]:
        """Detect every backend once (concurrently) and cache the result."""
        if refresh or self._detect_task is None:
            self._detect_task = asyncio.ensure_future(self._detect_all())
        await asyncio.shield(self._detect_task)
        return self._detections

    async def detection(self, name: str) -> Detection:
        """The cached detection of backend ``name``."""
        detections = await self.detections()
        return detections[name]

    async def _detect_all(self) -> None:
        names = list(self.catalogue)
        results = await asyncio.gather(
            *(self.catalogue[name].detect() for name in names), return_exceptions=True
        )
        for name, result in zip(names, results):
            if isinstance(result, BaseException):
                self.log.error("[workbench] detection of %s failed: %s", name, result)
                result = Detection(available=False, reason=f"detection failed: {result}")
            self._detections[name] = result
