"""The Jupyter Workbench server extension app: it wires the core and the features.

The features are created here, explicitly and in order: the desktop
(:mod:`jupyter_workbench.desktop`), the web IDEs (:mod:`jupyter_workbench.ides`), the GPU
panel (:mod:`jupyter_workbench.gpu`, which receives the desktop feature as the source of
its OpenGL check) and the admin's own backends (:mod:`jupyter_workbench.custom`). Each one
gives its backends to the catalogue (:mod:`jupyter_workbench.core.catalogue`) and its
routes to Jupyter; the core proxies and supervises the backends.
"""

from __future__ import annotations

import os
import tempfile

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join
from traitlets import Dict, Float, Int, List, Unicode, default

from ._version import __version__
from .core.api import backend_handlers, fallback_handlers
from .core.catalogue import Catalogue
from .core.feature import Feature
from .core.proxy import proxy_handlers
from .core.supervisor import BACKOFF_BASE, BACKOFF_CAP, Supervisor
from .custom.plugin import CustomFeature
from .desktop.plugin import DesktopFeature
from .gpu.plugin import GPUFeature
from .ides.plugin import IDEsFeature


class WorkbenchApp(ExtensionApp):
    """Starts, watches and proxies the Workbench backends (desktop, VS Code, RStudio, …)."""

    name = "jupyter_workbench"
    app_name = "Jupyter Workbench"
    description = "Remote desktops, web IDEs and GPU status for JupyterLab"
    version = __version__
    load_other_extensions = True

    backends = Dict(
        default_value={},
        help="""Extra backends, keyed by name (see :mod:`jupyter_workbench.custom.backend`).

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
    @property
    def server(self) -> ServerApp:
        """The Jupyter server this extension runs in."""
        if self.serverapp is None:
            raise RuntimeError("the Workbench extension runs inside a Jupyter server")
        return self.serverapp

    def initialize_settings(self) -> None:
        """Create the private runtime directory, the catalogue, the features and backends."""
        server = self.server
        base = self.runtime_dir
        os.makedirs(base, exist_ok=True)
        self.socket_root = tempfile.mkdtemp(prefix="jupyter-workbench-", dir=base)
        os.chmod(self.socket_root, 0o700)
        self.supervisor = Supervisor(self.socket_root, self.log)
        self.catalogue = Catalogue(
            self.supervisor,
            self.log,
            socket_root=self.socket_root,
            base_url=server.base_url,
            root_dir=server.root_dir,
            backoff_base=self.restart_backoff_base,
            backoff_cap=self.restart_backoff_cap,
        )
        self.desktop = DesktopFeature(self, self.catalogue)
        self.ides = IDEsFeature(self)
        self.gpu = GPUFeature(self, renderers=self.desktop, kernel_manager=server.kernel_manager)
        self.custom = CustomFeature(self, self.backends, self.log)
        #: In the order their backends are registered and their routes added.
        self.features: list[Feature] = [self.desktop, self.ides, self.gpu, self.custom]
        for feature in (self.desktop, self.ides, self.gpu):
            for backend in feature.backends():
                if backend.name not in self.disabled_backends and backend.enabled:
                    self.catalogue.register(backend)
        for backend in self.custom.backends():  # the admin's own: never "disabled"
            self.catalogue.register(backend)

    def initialize_handlers(self) -> None:
        """Register the REST API, the proxies and the feature handlers."""
        server = self.server
        self.handlers.extend(backend_handlers(self.catalogue, self.status_log_lines))
        for feature in self.features:
            for path, handler, kwargs in feature.handlers():
                self.handlers.append((url_path_join("workbench", path), handler, kwargs))
        self.handlers.extend(fallback_handlers())
        server.web_app.add_handlers(".*", proxy_handlers(self.catalogue, server.base_url))
        settings = server.web_app.settings
        if self.websocket_ping_interval > 0 and not settings.get("websocket_ping_interval"):
            settings["websocket_ping_interval"] = self.websocket_ping_interval

    async def stop_extension(self) -> None:
        """Stop the features and every backend (TERM, grace, KILL); remove the sockets."""
        for feature in self.features:
            try:
                await feature.teardown()
            except Exception:
                self.log.exception("[workbench] teardown of %s failed", type(feature).__name__)
        await self.supervisor.stop_all()
