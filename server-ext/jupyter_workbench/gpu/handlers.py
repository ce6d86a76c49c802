"""The GPU feature's routes: snapshot, history, stream, checks and Prometheus metrics.

Routes (relative to ``{base_url}workbench/``; all require Jupyter auth):
``api/gpu/snapshot``, ``api/gpu/history?window=1h|24h``, ``api/gpu/stream`` (WebSocket),
``api/gpu/checks/{cuda|opengl}`` (POST), ``metrics`` (Prometheus text).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any  # Any: snapshots are JSON-like; tornado's handler args are untyped

from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import web, websocket

from ..core.handlers import AUTH_RESOURCE, HandlerSpec, WorkbenchAPIHandler
from . import checks, prometheus
from .monitor import GPUMonitor


class _MonitorHandler(WorkbenchAPIHandler):
    """Bound to the shared GPU monitor."""

    def initialize(self, monitor: GPUMonitor) -> None:
        """Receive the monitor from the URL spec."""
        self.monitor = monitor


class SnapshotHandler(_MonitorHandler):
    """``GET api/gpu/snapshot``."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(await self.monitor.ready())


class HistoryHandler(_MonitorHandler):
    """``GET api/gpu/history?window=1h|24h``."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        window = self.get_query_argument("window", "1h")
        if window not in {"1h", "24h"}:
            raise web.HTTPError(400, "window must be 1h or 24h")
        monitor = self.monitor
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

    def initialize(self, renderers: checks.Renderers) -> None:
        """Receive the OpenGL check's renderer source (the desktop feature)."""
        self.renderers = renderers

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        if name not in {"cuda", "opengl"}:
            raise web.HTTPError(404, f"No GPU check named {name!r}; use cuda or opengl")
        self.get_json_body_or_400()
        if name == "cuda":
            result = await checks.cuda_check()
        else:
            result = await checks.opengl_check(self.renderers)
        self.write_json(result)


class MetricsHandler(JupyterHandler):
    """``GET metrics``: Prometheus text format (dcgm-exporter names); scrape with a token."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, monitor: GPUMonitor) -> None:
        """Receive the monitor from the URL spec."""
        self.monitor = monitor

    @web.authenticated
    @authorized
    async def get(self) -> None:
        snapshot = await self.monitor.ready()
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(prometheus.render(snapshot, socket.gethostname()))


class StreamHandler(JupyterHandler, websocket.WebSocketHandler):
    """``api/gpu/stream``: every snapshot of the shared sampler, pushed as JSON."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, monitor: GPUMonitor) -> None:
        """Receive the monitor from the URL spec."""
        self.monitor = monitor
        self._unsubscribe: Callable[[], None] | None = None
        self._paused = False

    @ws_authenticated
    @authorized
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await super().get(*args, **kwargs)

    def check_origin(self, origin_to_satisfy_tornado: str = "") -> bool:
        return JupyterHandler.check_origin(self, origin_to_satisfy_tornado)

    async def open(self, *args: Any, **kwargs: Any) -> None:
        monitor = self.monitor
        self._unsubscribe = monitor.subscribe(self._send)
        self._send(await monitor.ready())

    def _send(self, snapshot: dict[str, Any]) -> None:
        if self._paused or self.ws_connection is None or self.ws_connection.is_closing():
            return
        try:
            self.write_message(self.monitor.stream_message(snapshot))
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
            self._send(self.monitor.snapshot())

    def on_close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


def gpu_handlers(monitor: GPUMonitor, renderers: checks.Renderers) -> list[HandlerSpec]:
    """The GPU routes, relative to ``{base_url}workbench/``."""
    kwargs = {"monitor": monitor}
    return [
        (r"api/gpu/snapshot", SnapshotHandler, kwargs),
        (r"api/gpu/history", HistoryHandler, kwargs),
        (r"api/gpu/stream", StreamHandler, kwargs),
        (r"api/gpu/checks/(?P<name>[^/]+)", CheckHandler, {"renderers": renderers}),
        (r"metrics", MetricsHandler, kwargs),
    ]
