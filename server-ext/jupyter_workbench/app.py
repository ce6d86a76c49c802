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
from traitlets import Bool, Dict, Float, Int, List, Unicode, default

from ._version import __version__
from .core import api
from .core.api import backend_handlers, fallback_handlers
from .core.catalogue import Catalogue
from .core.feature import Feature
from .core.intent import DEFAULT_TIMEOUT, IntentStarts
from .core.openapi import OPENAPI_OPERATIONS, openapi_handlers
from .core.portproxy import install_first, port_proxy_handlers
from .core.proxy import proxy_handlers
from .core.supervisor import BACKOFF_BASE, BACKOFF_CAP, Supervisor
from .custom.plugin import CustomFeature
from .desktop import handlers as desktop_handlers
from .desktop.plugin import DesktopFeature
from .gpu import handlers as gpu_handlers
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

    allow_port_proxy = Bool(
        False,
        help="""Turn jupyter-server-proxy's generic port proxy (``proxy/<port>/``) back on.

        Off by default: with it, any authenticated page can reach any TCP port on
        127.0.0.1 (other users' services on a shared host included), and the Workbench's
        own backends do not need it. When on, a request aimed at Jupyter's own port is
        refused at once (it would loop). ``c.ServerProxy.host_allowlist`` still applies.""",
    ).tag(config=True)

    status_log_lines = Int(
        20, help="Log lines included with each backend status (the UI's live log tail)."
    ).tag(config=True)

    intent_timeout = Float(
        DEFAULT_TIMEOUT,
        help="""Seconds a backend started on intent waits to be opened before it is stopped.

        The launcher starts a backend when the pointer rests on its tile or the tile gets
        keyboard focus (opt-in per backend, in the launcher's settings); unless it is then
        opened within this time, it is stopped again. A backend that was already running,
        or that the user started or opened, is never stopped this way.
        0 turns start on intent off (the start route then answers 409 to it).""",
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
        self.intents = IntentStarts(max(0.0, self.intent_timeout), self.log)
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
        self.handlers.extend(backend_handlers(self.catalogue, self.intents, self.status_log_lines))
        for feature in self.features:
            for path, handler, kwargs in feature.handlers():
                self.handlers.append((url_path_join("workbench", path), handler, kwargs))
        operations = [
            *api.OPERATIONS,
            *desktop_handlers.OPERATIONS,
            *gpu_handlers.OPERATIONS,
            *OPENAPI_OPERATIONS,
        ]
        self.handlers.extend(openapi_handlers(operations))
        self.handlers.extend(fallback_handlers())
        server.web_app.add_handlers(
            ".*", proxy_handlers(self.catalogue, server.base_url, self.intents)
        )
        install_first(server.web_app, port_proxy_handlers(server, self.allow_port_proxy))
        settings = server.web_app.settings
        if self.websocket_ping_interval > 0 and not settings.get("websocket_ping_interval"):
            settings["websocket_ping_interval"] = self.websocket_ping_interval

    async def stop_extension(self) -> None:
        """Stop the features and every backend (TERM, grace, KILL); remove the sockets."""
        await self.intents.close()
        for feature in self.features:
            try:
                await feature.teardown()
            except Exception:
                self.log.exception("[workbench] teardown of %s failed", type(feature).__name__)
        await self.supervisor.stop_all()
