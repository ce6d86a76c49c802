"""The GPU feature: snapshot, history, stream, checks and Prometheus metrics.

Routes (relative to ``{base_url}workbench/``; all require Jupyter auth):
``api/gpu/snapshot``, ``api/gpu/history?window=1h|24h``, ``api/gpu/stream`` (WebSocket),
``api/gpu/checks/{cuda|opengl}`` (POST), ``metrics`` (Prometheus text).
"""

from __future__ import annotations

import json
import socket
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web, websocket

from ..handlers.base import AUTH_RESOURCE, WorkbenchAPIHandler
from . import checks, prometheus
from .monitor import GPUMonitor

if TYPE_CHECKING:
    from ..app import WorkbenchApp


def monitor_of(app: Any) -> GPUMonitor:
    """The app's shared GPU monitor."""
    return app.gpu_monitor


class SnapshotHandler(WorkbenchAPIHandler):
    """``GET api/gpu/snapshot``."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(await monitor_of(self.workbench).ready())


class HistoryHandler(WorkbenchAPIHandler):
    """``GET api/gpu/history?window=1h|24h``."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        window = self.get_query_argument("window", "1h")
        if window not in {"1h", "24h"}:
            raise web.HTTPError(400, "window must be 1h or 24h")
        monitor = monitor_of(self.workbench)
        await monitor.ready()
        self.write_json(
            {
                "window": window,
                "interval_s": monitor.interval if window == "1h" else 60.0,
                "gpus": monitor.history.series(window),
            }
        )


class CheckHandler(WorkbenchAPIHandler):
    """``POST api/gpu/checks/{cuda|opengl}``."""

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        if name not in {"cuda", "opengl"}:
            raise web.HTTPError(404, f"No GPU check named {name!r}; use cuda or opengl")
        self.get_json_body_or_400()
        if name == "cuda":
            result = await checks.cuda_check()
        else:
            result = await checks.opengl_check(self.workbench)
        self.write_json(result)


class MetricsHandler(ExtensionHandlerMixin, JupyterHandler):
    """``GET metrics``: Prometheus text format (dcgm-exporter names); scrape with a token."""

    auth_resource = AUTH_RESOURCE

    @web.authenticated
    @authorized
    async def get(self) -> None:
        snapshot = await monitor_of(self.extensionapp).ready()
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(prometheus.render(snapshot, socket.gethostname()))


class StreamHandler(ExtensionHandlerMixin, JupyterHandler, websocket.WebSocketHandler):
    """``api/gpu/stream``: every snapshot of the shared sampler, pushed as JSON."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, name: str, *args: Any, **kwargs: Any) -> None:
        super().initialize(name, *args, **kwargs)
        self._unsubscribe = None
        self._paused = False

    @ws_authenticated
    @authorized
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await super().get(*args, **kwargs)

    def check_origin(self, origin: str) -> bool:
        return JupyterHandler.check_origin(self, origin)

    async def open(self, *args: Any, **kwargs: Any) -> None:
        monitor = monitor_of(self.extensionapp)
        self._unsubscribe = monitor.subscribe(self._send)
        self._send(await monitor.ready())

    def _send(self, snapshot: dict[str, Any]) -> None:
        if self._paused or self.ws_connection is None or self.ws_connection.is_closing():
            return
        try:
            self.write_message(monitor_of(self.extensionapp).stream_message(snapshot))
        except websocket.WebSocketClosedError:
            self.on_close()

    def on_message(self, message: str | bytes) -> None:
        try:
            kind = json.loads(message).get("type")
        except (ValueError, AttributeError):
            return
        if kind == "pause":
            self._paused = True
        elif kind == "resume":
            self._paused = False
            self._send(monitor_of(self.extensionapp).snapshot())

    def on_close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


def setup(app: WorkbenchApp) -> list[tuple[str, type, dict[str, Any]]]:
    """Create the shared monitor (idle until a client asks) and return the handlers."""
    monitor = GPUMonitor(parent=app)
    app.gpu_monitor = monitor

    def kernel_pids() -> dict[int, dict[str, str]]:
        out: dict[int, dict[str, str]] = {}
        km = getattr(app.serverapp, "kernel_manager", None)
        for kernel_id in list(getattr(km, "list_kernel_ids", list)()):
            try:
                kernel = km.get_kernel(kernel_id)
                pid = kernel.provisioner.process.pid  # type: ignore[union-attr]
            except Exception:
                continue
            out[pid] = {"id": kernel_id, "name": getattr(kernel, "kernel_name", "")}
        return out

    monitor.kernel_pids = kernel_pids
    return [
        (r"api/gpu/snapshot", SnapshotHandler, {}),
        (r"api/gpu/history", HistoryHandler, {}),
        (r"api/gpu/stream", StreamHandler, {}),
        (r"api/gpu/checks/(?P<name>[^/]+)", CheckHandler, {}),
        (r"metrics", MetricsHandler, {}),
    ]


async def teardown(app: WorkbenchApp) -> None:
    """Stop the sampler thread."""
    monitor = getattr(app, "gpu_monitor", None)
    if monitor is not None:
        monitor.stop()
