"""REST API for the backend catalogue and lifecycle, under ``{base_url}workbench/api/``.

``GET  backends``                 catalogue: name, title, available, reason, install_hint,
                                  version, state, … for every backend
``GET  backends/{name}``          state, pid, restarts, last exit code, started_at, url,
                                  live log tail, …
``POST backends/{name}/start``    start and wait until running or failed; with the body
                                  ``{"intent": true}``: start in the background on the
                                  user's intent (202), stopped again unless opened in time
                                  (:mod:`jupyter_workbench.core.intent`)
``POST backends/{name}/stop``     stop (TERM, grace, KILL)
``POST backends/{name}/restart``  stop, then start and wait
``GET  backends/{name}/logs``     the last log lines (``?lines=N``, at most 500)

The payloads' JSON Schemas are in ``jupyter_workbench/schemas/`` (``backend-*.json``).
"""

from __future__ import annotations

import json
from typing import Any  # Any: JSON values are heterogeneous

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from .catalogue import Catalogue
from .handlers import HandlerSpec, WorkbenchAPIHandler
from .intent import IntentStarts
from .openapi import Operation
from .supervisor import LOG_LINES, ManagedProcess, State

_NAME = r"(?P<name>[^/]+)"


class _BackendHandler(WorkbenchAPIHandler):
    """Shared lookups for the per-backend routes."""

    def initialize(
        self, catalogue: Catalogue, intents: IntentStarts, status_log_lines: int = 20
    ) -> None:
        """Bind the handler to the backend ``catalogue`` and the intent starts."""
        self.catalogue = catalogue
        self.intents = intents
        self.status_log_lines = status_log_lines

    def managed(self, name: str) -> ManagedProcess:
        """The managed process of ``name``, or a 404 JSON error."""
        managed = self.catalogue.managed(name)
        if managed is None:
            raise web.HTTPError(404, f"No backend named {name!r}")
        return managed

    async def describe(self, name: str, *, full: bool) -> dict[str, Any]:
        """The catalogue entry of ``name`` (plus runtime status when ``full``)."""
        backend = self.catalogue[name]
        managed = self.managed(name)
        detection = await self.catalogue.detection(name)
        entry: dict[str, Any] = {
            "name": name,
            "title": backend.title or name,
            "description": backend.description,
            "kind": backend.kind,
            "icon": backend.icon,
            "open_in": backend.open_in,
            "allows_framing": backend.allows_framing,
            "available": detection.available,
            "reason": detection.reason,
            "install_hint": detection.install_hint,
            "version": detection.version,
            "state": managed.state.value,
            "url": url_path_join(managed.ctx.url, backend.open_path)
            if backend.open_path
            else managed.ctx.url,
            "raw_socket": backend.raw_socket,
        }
        if full:
            entry.update(managed.status(log_tail=self.status_log_lines))
            entry["intent_deadline"] = self.intents.deadline(name)
            entry["detection"] = detection.to_json()
            if backend.extras_key:
                entry[backend.extras_key] = backend.extra_info()
        return entry


class BackendListHandler(_BackendHandler):
    """``GET backends``: the whole catalogue."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        refresh = self.get_query_argument("refresh", "0")
        if refresh not in {"0", "1", "true", "false"}:
            raise web.HTTPError(400, "refresh must be 0 or 1")
        await self.catalogue.detections(refresh=refresh in {"1", "true"})
        entries = [await self.describe(name, full=False) for name in self.catalogue]
        self.write_json({"backends": entries})


class BackendHandler(_BackendHandler):
    """``GET backends/{name}``: one backend's status."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.managed(name)
        self.write_json(await self.describe(name, full=True))


class BackendActionHandler(_BackendHandler):
    """``POST backends/{name}/{start|stop|restart}``."""

    @web.authenticated
    @authorized
    async def post(self, name: str, action: str) -> None:
        managed = self.managed(name)
        if action not in {"start", "stop", "restart"}:
            raise web.HTTPError(404, f"Unknown action {action!r}; use start, stop or restart")
        body = self.get_json_body_or_400()
        intent = action == "start" and start_intent(body)
        if intent and not self.intents.enabled:
            raise web.HTTPError(
                409,
                "Start on intent is turned off on this server (WorkbenchApp.intent_timeout = 0)",
            )
        if action in {"start", "restart"}:
            detection = await self.catalogue.detection(name)
            if not detection.available:
                raise web.HTTPError(
                    409,
                    f"{name} is not available: {detection.reason}"
                    + (f" — {detection.install_hint}" if detection.install_hint else ""),
                )
        if intent:
            await self.intents.start(managed)
            self.write_json(await self.describe(name, full=True), status=202)
            return
        self.intents.claim(name)
        if action == "start":
            await managed.start()
        elif action == "stop":
            await managed.stop()
        else:
            await managed.restart()
        entry = await self.describe(name, full=True)
        ok = action == "stop" or managed.state == State.RUNNING
        self.write_json(entry, status=200 if ok else 502)


def start_intent(body: dict[str, Any]) -> bool:
    """The ``intent`` flag of a start request's body (schema ``backend-start``); 400 if bad."""
    unknown = sorted(set(body) - {"intent"})
    if unknown:
        raise web.HTTPError(400, f"Unknown field(s) in the start request: {', '.join(unknown)}")
    intent = body.get("intent", False)
    if not isinstance(intent, bool):
        raise web.HTTPError(400, f"intent must be true or false, not {json.dumps(intent)}")
    return intent


class BackendLogsHandler(_BackendHandler):
    """``GET backends/{name}/logs``: the last lines the backend printed."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        managed = self.managed(name)
        raw = self.get_query_argument("lines", str(LOG_LINES))
        try:
            lines = int(raw)
        except ValueError as err:
            raise web.HTTPError(400, f"lines must be an integer, not {raw!r}") from err
        if not 0 < lines <= LOG_LINES:
            raise web.HTTPError(400, f"lines must be between 1 and {LOG_LINES}")
        self.write_json({"name": name, "lines": list(managed.logs)[-lines:]})


class NotFoundHandler(WorkbenchAPIHandler):
    """Any other path under ``workbench/api/``: a JSON 404 (after authentication)."""

    @web.authenticated
    @authorized
    async def get(self, *args: Any) -> None:
        raise web.HTTPError(404, f"No Workbench API route {self.request.path!r}")

    post = put = delete = patch = get


def backend_handlers(
    catalogue: Catalogue, intents: IntentStarts, status_log_lines: int = 20
) -> list[HandlerSpec]:
    """Handlers for the backend API, relative to ``base_url``."""
    api = "workbench/api"
    kwargs = {"catalogue": catalogue, "intents": intents, "status_log_lines": status_log_lines}
    return [
        (url_path_join(api, "backends"), BackendListHandler, kwargs),
        (url_path_join(api, "backends", _NAME), BackendHandler, kwargs),
        (url_path_join(api, "backends", _NAME, "logs"), BackendLogsHandler, kwargs),
        (url_path_join(api, "backends", _NAME, r"(?P<action>[^/]+)"), BackendActionHandler, kwargs),
    ]


def fallback_handlers() -> list[HandlerSpec]:
    """A JSON 404 for unknown API paths (registered after every feature)."""
    return [(r"workbench/api/.*", NotFoundHandler, {})]


_REFRESH = {"type": "string", "enum": ["0", "1", "true", "false"]}

#: The routes above, for the OpenAPI document (:mod:`jupyter_workbench.core.openapi`).
OPERATIONS = [
    Operation(
        "GET",
        "workbench/api/backends",
        "The backend catalogue",
        "backend-list",
        errors=(400,),
        query={"refresh": _REFRESH},
    ),
    Operation("GET", "workbench/api/backends/{name}", "One backend's status", "backend-status"),
    Operation(
        "GET",
        "workbench/api/backends/{name}/logs",
        "The last lines a backend printed",
        "backend-logs",
        query={"lines": {"type": "integer", "minimum": 1, "maximum": LOG_LINES}},
    ),
    Operation(
        "POST",
        "workbench/api/backends/{name}/start",
        "Start a backend and wait until it runs or fails; or, with {intent: true}, start it "
        "in the background on the user's intent (stopped again unless opened in time)",
        "backend-status",
        errors=(400, 404, 409),
        body="backend-start",
        extra={
            202: ("Started on intent (its status, with intent_deadline)", "backend-status"),
            502: ("The backend failed to start (its status)", "backend-status"),
        },
    ),
    Operation(
        "POST",
        "workbench/api/backends/{name}/stop",
        "Stop a backend (TERM, grace, KILL)",
        "backend-status",
        errors=(400, 404, 409),
        body=True,
    ),
    Operation(
        "POST",
        "workbench/api/backends/{name}/restart",
        "Stop, then start a backend",
        "backend-status",
        errors=(400, 404, 409),
        body=True,
        extra={502: ("The backend failed to start (its status)", "backend-status")},
    ),
]
