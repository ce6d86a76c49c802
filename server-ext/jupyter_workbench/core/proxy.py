"""Proxy routes: jupyter-server-proxy entries with no command, pointing at our sockets.

jupyter-server-proxy does the HTTP and WebSocket proxying (and Jupyter's auth, origin
checks and activity tracking); the lifecycle stays ours: before a request is proxied,
the backend is started through our supervisor if it is not running, so a backend that
exited cleanly is simply started again on the next open instead of answering 500.

Faults are answered, never raised as a 500:

* a backend that crashed a moment ago (``kill -9``: the supervisor still says *running*
  while it reaps the process group, and the socket is gone) is waited for at most
  :data:`REAP_WAIT` seconds, then started again; if it cannot be, the answer is **503**
  with ``Retry-After``; so is a connection refused by a backend that died mid-request;
* requests jupyter-server-proxy cannot forward (``ValueError: Body must be None …`` in its
  HTTP client) are refused with **400** before they reach it: content on GET, HEAD,
  OPTIONS or DELETE (RFC 9110 gives it no meaning, and forwarding it is a request
  smuggling risk) and a PATCH without content (RFC 5789: PATCH carries a patch document);
* errors are JSON ``{"error": {"status", "message"}}``, like the REST API's.

The WebSocket leg to the backend offers no ``permessage-deflate``: jupyter-server-proxy's
``pingable_ws_connect`` passes ``compression_options={}``, so every message between
Jupyter and a backend on a local unix socket (VS Code's, all of them) was deflated by
one side and inflated by the other, for nothing. Our handlers open that leg themselves
(:func:`connect_backend_ws`), without compression; other users of jupyter-server-proxy in
the same server keep its behaviour. The browser-facing leg is Jupyter's default
(``ServerApp.websocket_compression_options``, none unless configured).

Responses keep the backend's caching headers: no ETag is added to what it did not tag.
"""

from __future__ import annotations

import asyncio
import errno
import json
import socket
import time
from typing import Any  # Any: jupyter-server-proxy's handler methods are untyped

from jupyter_server_proxy.config import ServerProcess, make_handlers
from jupyter_server_proxy.unixsock import UnixResolver
from jupyter_server_proxy.websocket import PingableWSClientConnection
from tornado import httpclient, httputil, web
from tornado.iostream import StreamClosedError
from tornado.netutil import Resolver
from tornado.websocket import WebSocketError, _default_max_message_size

from .catalogue import Catalogue
from .handlers import HandlerSpec
from .intent import IntentStarts
from .supervisor import ManagedProcess, State

#: Seconds a request waits for a just-crashed backend to be reaped before answering 503.
REAP_WAIT = 5.0
#: ``Retry-After`` (seconds) of a 503 for a backend that is restarting or just went away.
RETRY_AFTER = 2
#: Seconds before a request refused by a backend that just died is sent again (once).
RETRY_PAUSE = 0.1
#: Seconds a connect to a backend's unix socket is retried while its backlog is full.
CONNECT_TIMEOUT = 5.0
#: Methods whose request content has no defined meaning (RFC 9110 §9.3).
NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
#: Methods that must carry content to be forwarded.
BODY_METHODS = frozenset({"PATCH"})


def running(managed: ManagedProcess) -> bool:
    """Whether ``managed`` runs (a function: the state changes while ``start()`` awaits)."""
    return managed.state == State.RUNNING


class Unavailable(web.HTTPError):
    """A 503 for a backend that is restarting or not there; ``retry_after`` s, if transient."""

    def __init__(self, message: str, retry_after: int | None = RETRY_AFTER) -> None:
        super().__init__(503, "%s", message)
        self.retry_after = retry_after


async def connect_unix(path: str, timeout: float = CONNECT_TIMEOUT) -> socket.socket:
    """A connected, non-blocking stream socket to the unix socket ``path``.

    ``connect()`` on a unix socket whose listen backlog is full fails with ``EAGAIN``:
    unlike TCP's ``EINPROGRESS``, nothing is under way, and the attempt must be repeated.
    asyncio's ``create_unix_connection`` treats it as in progress and hands back a socket
    that was never connected (the viewer's WebSocket then closes with ``EINVAL``), which
    happened to one in twenty viewers opening a desktop at once (Xvnc listens with a
    backlog of 5). Here the connect is retried until ``timeout``.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setblocking(False)
    deadline = time.monotonic() + timeout
    pause = 0.005
    try:
        while True:
            try:
                sock.connect(path)
                return sock
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ConnectionRefusedError(
                        errno.EAGAIN, f"{path}: listen backlog still full after {timeout:g} s"
                    ) from None
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.1)
    except BaseException:
        sock.close()
        raise


#: Request headers not forwarded on the backend WebSocket leg: the browser's extension offer
#: is for the browser-facing leg; the backend leg negotiates its own (none).
WS_HANDSHAKE_HEADERS = ("Sec-WebSocket-Extensions",)


def backend_ws_headers(headers: httputil.HTTPHeaders) -> httputil.HTTPHeaders:
    """``headers`` for the backend leg, without the browser's WebSocket extension offer."""
    forwarded = httputil.HTTPHeaders(headers)
    for name in WS_HANDSHAKE_HEADERS:
        forwarded.pop(name, None)
    return forwarded


async def connect_backend_ws(
    request: httpclient.HTTPRequest,
    on_message_callback: Any,  # Any: tornado's Callable[[None | str | bytes], None]
    on_ping_callback: Any,  # Any: jupyter-server-proxy's untyped ping callback
    subprotocols: list[str] | None,
    resolver: Resolver | None,
) -> PingableWSClientConnection:
    """jupyter-server-proxy's ``pingable_ws_connect``, offering no ``permessage-deflate``."""
    request.headers = backend_ws_headers(request.headers)
    proxied = httpclient._RequestProxy(request, httpclient.HTTPRequest._DEFAULTS)
    kwargs = {"resolver": resolver} if resolver else {}
    conn = PingableWSClientConnection(
        request=proxied,
        compression_options=None,
        on_message_callback=on_message_callback,
        on_ping_callback=on_ping_callback,
        max_message_size=_default_max_message_size,
        subprotocols=subprotocols,
        **kwargs,
    )
    return await conn.connect_future


def check_request_body(method: str, body: bytes | None) -> None:
    """Refuse (400) a request whose content jupyter-server-proxy cannot forward."""
    if method in NO_BODY_METHODS and body:
        raise web.HTTPError(400, "%s requests to a Workbench backend must not carry a body", method)
    if method in BODY_METHODS and not body:
        raise web.HTTPError(400, "%s requests to a Workbench backend need a body", method)


def json_error(handler: web.RequestHandler, status_code: int, **kwargs: Any) -> None:
    """Write ``{"error": {"status", "message"}}`` (with ``Retry-After`` for transient 503s)."""
    message = handler._reason
    exc_info = kwargs.get("exc_info")
    exc = exc_info[1] if exc_info else None
    if isinstance(exc, web.HTTPError) and exc.log_message:
        message = exc.log_message % exc.args if exc.args else exc.log_message
    elif status_code >= 500:
        message = "Internal error in Jupyter Workbench; see the server log"
    if isinstance(exc, Unavailable) and exc.retry_after is not None:
        handler.set_header("Retry-After", str(exc.retry_after))
    handler.set_header("Content-Type", "application/json")
    handler.set_header("Cache-Control", "no-store")
    handler.finish(json.dumps({"error": {"status": status_code, "message": message}}))


def _ensure_running_mixin(
    catalogue: Catalogue, managed: ManagedProcess, raw_socket: bool, intents: IntentStarts | None
) -> type:
    """A mixin that starts ``managed``'s backend before a request is proxied to it."""
    name = managed.backend.name

    async def ensure_running() -> None:
        if intents is not None:
            intents.opened(name)  # opened: no longer stopped if an intent start's time runs out
        if managed.serving():
            return
        if managed.crashed_unreaped() and not await managed.wait_reaped(REAP_WAIT):
            raise Unavailable(f"{name} stopped unexpectedly and is being cleaned up; retry")
        if running(managed):  # alive, but its socket is gone: nothing to connect to
            raise Unavailable(f"{name} is running but its socket is missing; retry")
        detection = await catalogue.detection(name)
        if not detection.available:
            raise Unavailable(f"{name} is not available: {detection.reason}", retry_after=None)
        await managed.start()
        if not managed.serving():
            raise Unavailable(f"{name} could not be started: {managed.error}")

    class EnsureRunning:
        async def prepare(self, *args: Any, **kwargs: Any) -> None:
            await super().prepare(*args, **kwargs)  # type: ignore[misc]
            if self._finished:  # type: ignore[attr-defined]  # e.g. the login redirect
                return
            request = self.request  # type: ignore[attr-defined]
            if request.headers.get("Upgrade", "").lower() != "websocket":
                check_request_body(request.method, request.body)

        async def get(self, *args: Any, **kwargs: Any) -> Any:
            headers = self.request.headers  # type: ignore[attr-defined]
            if headers.get("Upgrade", "").lower() == "websocket":
                # Before the handshake, while a 503 can still be answered; but only for a
                # WebSocket the origin check will let through (tornado's own check, in
                # super().get(), refuses the others with 403: they start nothing).
                origin = headers.get("Origin") or headers.get("Sec-Websocket-Origin")
                if origin is None or self.check_origin(origin):  # type: ignore[attr-defined]
                    await ensure_running()
            return await super().get(*args, **kwargs)  # type: ignore[misc]

        async def proxy(self, port: int, path: str) -> Any:
            if raw_socket:
                return await super().proxy(port, path)  # type: ignore[misc]  # a 405
            for attempt in (1, 2):
                await ensure_running()
                try:
                    return await super().proxy(port, path)  # type: ignore[misc]
                except (ConnectionRefusedError, FileNotFoundError) as err:
                    # Refused before anything was sent: the backend died between the check
                    # and the connect (kill -9). Safe to send again, once it is back.
                    if attempt == 2:
                        raise Unavailable(f"{name} refused the connection ({err}); retry") from err
                    await asyncio.sleep(RETRY_PAUSE)
                except (OSError, StreamClosedError) as err:
                    if self._headers_written:  # type: ignore[attr-defined]
                        raise
                    raise Unavailable(f"{name} is not answering ({err}); retry") from err
                except web.HTTPError as err:
                    # jupyter-server-proxy's own: 599 when the backend did not answer in
                    # time, 500 for a transport error it got instead of a response.
                    if err.status_code == 599:
                        raise web.HTTPError(504, "%s did not answer in time", name) from err
                    if err.status_code == 500:
                        raise web.HTTPError(502, "%s sent no valid answer", name) from err
                    raise
            raise AssertionError("unreachable")

        async def _create_ws_connection(self, protocol: Any) -> Any:
            # jupyter-server-proxy's raw-socket connect (the desktop's), without the EAGAIN
            # misstep (see connect_unix).
            sock = await connect_unix(self.unix_socket)  # type: ignore[attr-defined]
            return await asyncio.get_running_loop().create_unix_connection(protocol, sock=sock)

        async def proxy_open(self, host: str, port: int, proxied_path: str = "") -> None:
            # jupyter-server-proxy's proxy_open (4.x), with the backend leg opened by
            # connect_backend_ws: no compression between Jupyter and the unix socket.
            if raw_socket or self.unix_socket is None:  # type: ignore[attr-defined]
                return await super().proxy_open(host, port, proxied_path)  # type: ignore[misc, no-any-return]
            if not proxied_path.startswith("/"):
                proxied_path = "/" + proxied_path
            client_uri = self.get_client_uri("ws", host, port, proxied_path)  # type: ignore[attr-defined]
            headers = self.proxy_request_headers()  # type: ignore[attr-defined]

            def message_cb(message: str | bytes | None) -> None:
                self._record_activity()  # type: ignore[attr-defined]
                if message is None:
                    self.close()  # type: ignore[attr-defined]
                else:
                    self.write_message(message, binary=isinstance(message, bytes))  # type: ignore[attr-defined]

            def ping_cb(data: bytes) -> None:
                self._record_activity()  # type: ignore[attr-defined]
                self.ping(data)  # type: ignore[attr-defined]

            self._record_activity()  # type: ignore[attr-defined]
            self.ws = await connect_backend_ws(
                httpclient.HTTPRequest(url=client_uri, headers=headers),
                message_cb,
                ping_cb,
                self._requested_subprotocols,  # type: ignore[attr-defined]
                UnixResolver(self.unix_socket),  # type: ignore[attr-defined]
            )
            self._record_activity()  # type: ignore[attr-defined]

        async def open(self, path: str) -> Any:
            try:
                return await super().open(path)  # type: ignore[misc]
            except (OSError, StreamClosedError, WebSocketError, httpclient.HTTPClientError) as err:
                self.log.warning(  # type: ignore[attr-defined]
                    "[workbench] %s: WebSocket to the backend failed: %s", name, err
                )
                self.close(1011, f"{name} is not answering")  # type: ignore[attr-defined]

        def compute_etag(self) -> str | None:
            # The backend's caching headers, as sent: tornado would otherwise hash every
            # proxied 200 body (3 MB of VS Code's workbench.js, br-encoded) to add an ETag
            # the backend did not send, in Jupyter's event loop.
            return None

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            json_error(self, status_code, **kwargs)  # type: ignore[arg-type]

    return EnsureRunning


def proxy_handlers(
    catalogue: Catalogue, base_url: str, intents: IntentStarts | None = None
) -> list[HandlerSpec]:
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
        mixin = _ensure_running_mixin(catalogue, managed, backend.raw_socket, intents)
        for pattern, handler, *rest in make_handlers(base_url, [server]):
            if hasattr(handler, "proxy"):
                handler = type(f"Workbench{handler.__name__}", (mixin, handler), {})
            handlers.append((pattern, handler, rest[0] if rest else {}))
    return handlers
