"""Proxy routes: jupyter-server-proxy entries with no command, pointing at our sockets.

jupyter-server-proxy does the HTTP and WebSocket proxying (and Jupyter's auth, origin
checks and activity tracking); the lifecycle stays ours: before a request is proxied,
the backend is started through our supervisor if it is not running, so a backend that
exited cleanly is simply started again on the next open instead of answering 500.
"""

from __future__ import annotations

from typing import Any  # Any: jupyter-server-proxy's handler methods are untyped

from jupyter_server_proxy.config import ServerProcess, make_handlers
from tornado import web

from .catalogue import Catalogue
from .handlers import HandlerSpec
from .supervisor import ManagedProcess, State


def running(managed: ManagedProcess) -> bool:
    """Whether ``managed`` runs (a function: the state changes while ``start()`` awaits)."""
    return managed.state == State.RUNNING


def _ensure_running_mixin(catalogue: Catalogue, managed: ManagedProcess, raw_socket: bool) -> type:
    """A mixin that starts ``managed``'s backend before a request is proxied to it."""
    name = managed.backend.name

    async def ensure_running() -> None:
        if running(managed):
            return
        detection = await catalogue.detection(name)
        if not detection.available:
            raise web.HTTPError(503, f"{name} is not available: {detection.reason}")
        await managed.start()
        if not running(managed):
            raise web.HTTPError(503, f"{name} could not be started: {managed.error}")

    class EnsureRunning:
        async def proxy(self, port: int, path: str) -> Any:
            if not raw_socket:
                await ensure_running()
            return await super().proxy(port, path)  # type: ignore[misc]

        async def open(self, path: str) -> Any:
            await ensure_running()
            return await super().open(path)  # type: ignore[misc]

    return EnsureRunning


def proxy_handlers(catalogue: Catalogue, base_url: str) -> list[HandlerSpec]:
    """Tornado handlers proxying ``{base_url}<url_path>/`` to each backend's unix socket."""
    handlers: list[HandlerSpec] = []
    for name, backend in catalogue.items():
        managed = catalogue.managed(name)
        if managed is None:
            continue
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
        mixin = _ensure_running_mixin(catalogue, managed, backend.raw_socket)
        for pattern, handler, *rest in make_handlers(base_url, [server]):
            if hasattr(handler, "proxy"):
                handler = type(f"Workbench{handler.__name__}", (mixin, handler), {})
            handlers.append((pattern, handler, rest[0] if rest else {}))
    return handlers
