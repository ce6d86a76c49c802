"""jupyter-server-proxy's generic port proxy (``proxy/<port>/``): off unless the admin allows it.

jupyter-server-proxy registers ``{base_url}proxy/<port>/``, ``proxy/absolute/<port>/``
and their ``<host>:<port>`` forms whenever its server extension is loaded. With them, any
authenticated page can reach any TCP port on 127.0.0.1 — other users' services on a shared
host included — which the Workbench's unix-socket design exists to prevent; its own
entries do not need them. jupyter-server-proxy has no setting to leave them out, so the
Workbench puts its own handlers for the same patterns *ahead of* jupyter-server-proxy's in
Tornado's router (whatever order the extensions load in):

* ``c.WorkbenchApp.allow_port_proxy = False`` (the default): they answer 404 (after
  authentication) with a message naming the setting;
* ``True``: they proxy as jupyter-server-proxy's own do (honouring
  ``c.ServerProxy.host_allowlist``), except that a request aimed at Jupyter's own port is
  refused at once (403) instead of looping through the proxy until memory runs out.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any  # Any: jupyter-server-proxy's handlers and tornado's kwargs are untyped

from jupyter_server.auth.decorator import authorized
from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join
from jupyter_server_proxy.config import ServerProxy
from jupyter_server_proxy.handlers import LocalProxyHandler, RemoteProxyHandler
from tornado import web
from tornado.routing import Rule

from .handlers import HandlerSpec, WorkbenchAPIHandler
from .proxy import json_error

#: The routes of jupyter-server-proxy's generic proxy, relative to ``base_url``.
LOCAL_PATTERNS = (r"proxy/(\d+)(/.*|)", r"proxy/absolute/(\d+)(/.*|)")
REMOTE_PATTERNS = (r"proxy/([^/:@]+):(\d+)(/.*|)", r"proxy/absolute/([^/:@]+):(\d+)(/.*|)")

SETTING = "c.WorkbenchApp.allow_port_proxy = True"


class PortProxyOffHandler(WorkbenchAPIHandler):
    """Every generic-proxy route while the port proxy is off: 404 after authentication."""

    @web.authenticated
    @authorized
    async def get(self, *args: Any) -> None:
        raise web.HTTPError(
            404,
            "The generic port proxy (proxy/<port>/) is off in Jupyter Workbench; "
            f"an administrator can turn it on with {SETTING}",
        )

    post = put = delete = patch = head = get


def is_own_address(host: str, port: int | str, server: ServerApp) -> bool:
    """Whether ``host:port`` is this Jupyter server itself (loopback or its own address)."""
    try:
        if int(port) != server.port:
            return False
    except ValueError:
        return False
    host = host.strip("[]").lower()
    names = {"localhost", "0.0.0.0", "::", (server.ip or "").lower()}
    names.update(name.lower() for name in (socket.gethostname(), socket.getfqdn()))
    if host in names:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(base: type, server: ServerApp) -> type:
    """``base`` (a jupyter-server-proxy port handler) refusing Jupyter's own port at once."""

    class Guarded(base):
        async def prepare(self, *args: Any, **kwargs: Any) -> None:
            await super().prepare(*args, **kwargs)
            if self._finished:
                return
            groups = self.path_args
            host, port = ("localhost", groups[0]) if base is LocalProxyHandler else groups[:2]
            if is_own_address(host, port, server):
                raise web.HTTPError(
                    403, "Proxying Jupyter's own port to itself is refused (it would loop)"
                )

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            json_error(self, status_code, **kwargs)

    Guarded.__name__ = f"WorkbenchGuarded{base.__name__}"
    return Guarded


def port_proxy_handlers(server: ServerApp, allow: bool) -> list[HandlerSpec]:
    """Absolute URL specs for the generic-proxy routes: refusing (off) or guarded (on)."""
    base_url = server.base_url
    if not allow:
        return [
            (url_path_join(base_url, pattern), PortProxyOffHandler, {})
            for pattern in (*LOCAL_PATTERNS, *REMOTE_PATTERNS)
        ]
    config = ServerProxy(parent=server)
    common = {"rewrite_response": config.non_service_rewrite_response}
    remote = {**common, "host_allowlist": config.host_allowlist}
    local_handler = _guarded(LocalProxyHandler, server)
    remote_handler = _guarded(RemoteProxyHandler, server)
    specs: list[HandlerSpec] = []
    for pattern, absolute in zip(REMOTE_PATTERNS, (False, True)):
        specs.append(
            (url_path_join(base_url, pattern), remote_handler, {**remote, "absolute_url": absolute})
        )
    for pattern, absolute in zip(LOCAL_PATTERNS, (False, True)):
        specs.append(
            (url_path_join(base_url, pattern), local_handler, {**common, "absolute_url": absolute})
        )
    return specs


def install_first(web_app: web.Application, specs: list[HandlerSpec]) -> None:
    """Add ``specs`` to ``web_app`` ahead of every route added before (e.g. by other extensions).

    Tornado tries host rules in order and ``add_handlers`` appends; the rules it adds are
    moved to the front, so jupyter-server-proxy's own generic routes are never reached.
    """
    rules: list[Rule] = web_app.default_router.rules
    before = {id(rule) for rule in rules}
    web_app.add_handlers(".*", specs)
    added = [rule for rule in rules if id(rule) not in before]
    rules[:] = added + [rule for rule in rules if id(rule) in before]
