"""Proxy routes: jupyter-server-proxy entries with no command, pointing at our sockets.

jupyter-server-proxy does the HTTP and WebSocket proxying (and Jupyter's auth, origin
checks and activity tracking); the lifecycle stays ours: before a request is proxied,
the backend is started through our supervisor if it is not running, so a backend that
exited cleanly is simply started again on the next open instead of answering 500.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jupyter_server_proxy.config import ServerProcess, make_handlers
from tornado import web

from .supervisor import State

if TYPE_CHECKING:
    from .app import WorkbenchApp


def _ensure_running_mixin(app: WorkbenchApp, name: str, raw_socket: bool) -> type:
    """A mixin that starts backend ``name`` before a request is proxied to it."""

    async def ensure_running(handler: Any) -> None:
        managed = app.supervisor.get(name)
        if managed.state == State.RUNNING:
            return
        detection = await app.detection(name)
        if not detection.available:
            raise web.HTTPError(503, f"{name} is not available: {detection.reason}")
        await managed.start()
        if managed.state != State.RUNNING:
            raise web.HTTPError(503, f"{name} could not be started: {managed.error}")

    class EnsureRunning:
        async def proxy(self, port: int, path: str) -> Any:
            if not raw_socket:
                await ensure_running(self)
            return await super().proxy(port, path)  # type: ignore[misc]

        async def open(self, path: str) -> Any:
            await ensure_running(self)
            return await super().open(path)  # type: ignore[misc]

    return EnsureRunning


def proxy_handlers(app: WorkbenchApp) -> list[tuple[str, type, dict[str, Any]]]:
    """Tornado handlers proxying ``{base_url}<url_path>/`` to each backend's unix socket."""
    handlers: list[tuple[str, type, dict[str, Any]]] = []
    for name, backend in app.catalogue.items():
        managed = app.supervisor.get(name)
        options = dict(backend.proxy_options)
        options.pop("command", None)
        server = ServerProcess(
            name=backend.url_path,
            command=[],
            unix_socket=managed.ctx.socket_path,
            raw_socket_proxy=backend.raw_socket,
            launcher_entry={"enabled": False},
            **options,
        )
        mixin = _ensure_running_mixin(app, name, backend.raw_socket)
        for pattern, handler, *rest in make_handlers(app.serverapp.base_url, [server]):
            if hasattr(handler, "proxy"):
                handler = type(f"Workbench{handler.__name__}", (mixin, handler), {})
            handlers.append((pattern, handler, rest[0] if rest else {}))
    return handlers
