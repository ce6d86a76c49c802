"""The REST API's OpenAPI 3.1 description, built from the wire contract's JSON Schemas.

Served (after authentication) at ``{base_url}workbench/api/openapi.json``. Each module
that registers routes declares them as :class:`Operation` values next to its handlers
(``core.api``, ``desktop.handlers``, ``gpu.handlers``); the app hands them over here.
The payload shapes are not repeated: every file in ``jupyter_workbench/schemas/``
becomes one entry of ``components.schemas`` (its ``$ref``s rewritten to point there), and
each operation names the schema of its answers. The fuzz test (tests/test_fuzz.py) drives
schemathesis from this document against a live server.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from pathlib import Path
from typing import Any  # Any: OpenAPI and JSON Schema documents are JSON values

from jupyter_server.auth.decorator import authorized
from tornado import web

from .._version import __version__
from .handlers import HandlerSpec, WorkbenchAPIHandler

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
#: The document's path, relative to ``base_url``.
OPENAPI_PATH = "workbench/api/openapi.json"


@dataclasses.dataclass(frozen=True)
class Operation:
    """One method of one route, relative to ``{base_url}``, and what it answers."""

    method: str
    path: str  # e.g. "workbench/api/backends/{name}"
    summary: str
    #: Schema (file name without ``.json``) of the 2xx answer; None for a non-JSON answer.
    response: str | None
    #: Error statuses it may answer (each with the ``error`` schema).
    errors: tuple[int, ...] = (400, 404)
    #: Query parameters: name → JSON Schema.
    query: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    #: Path parameters: name → JSON Schema (default: any non-empty string without "/").
    path_params: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    #: Whether it takes an (optional) JSON object body: True (any object, ignored) or the
    #: name of the body's schema.
    body: bool | str = False
    #: Other answers: status → (description, schema name or None).
    extra: dict[int, tuple[str, str | None]] = dataclasses.field(default_factory=dict)
    #: The media type of a non-JSON 2xx answer.
    media_type: str = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _rewrite_refs(node: Any, name: str) -> Any:
    """``node`` with its ``$ref``s pointing into ``#/components/schemas/`` (file ``name``)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$schema":
                continue
            if key == "$ref" and isinstance(value, str):
                target, _, pointer = value.partition("#")
                stem = target[: -len(".json")] if target.endswith(".json") else name
                value = f"#/components/schemas/{stem}{pointer}"
            else:
                value = _rewrite_refs(value, name)
            out[key] = value
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, name) for item in node]
    return node


@functools.lru_cache(maxsize=1)
def component_schemas() -> dict[str, Any]:
    """Every schema of the wire contract, keyed by file name (read once)."""
    return {
        path.stem: _rewrite_refs(json.loads(path.read_text(encoding="utf-8")), path.stem)
        for path in sorted(SCHEMAS.glob("*.json"))
    }


def _operation_object(op: Operation) -> dict[str, Any]:
    parameters = []
    for name in _path_names(op.path):
        schema = op.path_params.get(name, {"type": "string", "minLength": 1, "pattern": "^[^/]+$"})
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    for name, schema in op.query.items():
        parameters.append({"name": name, "in": "query", "required": False, "schema": schema})
    if op.response is None:
        kind = "object" if op.media_type == "application/json" else "string"
        ok = {"description": "OK", "content": {op.media_type: {"schema": {"type": kind}}}}
    else:
        ok = {"description": "OK", "content": {"application/json": {"schema": _ref(op.response)}}}
    responses: dict[str, Any] = {"200": ok}
    error = {"content": {"application/json": {"schema": _ref("error")}}}
    for status in (*op.errors, 403):
        responses[str(status)] = {"description": "An error (JSON)", **error}
    responses["302"] = {"description": "Not logged in (browser requests): to the login page"}
    for status, (description, extra_schema) in op.extra.items():
        content = {"application/json": {"schema": _ref(extra_schema)}} if extra_schema else {}
        responses[str(status)] = {
            "description": description,
            **({"content": content} if content else {}),
        }
    obj: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.method.lower() + "_" + re.sub(r"[^a-z0-9]+", "_", op.path).strip("_"),
        "parameters": parameters,
        "responses": responses,
    }
    if isinstance(op.body, str):
        obj["requestBody"] = {
            "required": False,
            "description": "Optional; no body is the same as an empty object",
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    elif op.body:
        obj["requestBody"] = {
            "required": False,
            "description": "Ignored, but must be a JSON object when given",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    return obj


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def openapi_document(operations: list[Operation], base_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``, served under ``base_url``."""
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault("/" + op.path.strip("/"), {})[op.method.lower()] = _operation_object(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Jupyter Workbench REST API",
            "version": __version__,
            "description": (
                "Backends (desktop, VS Code, RStudio, custom), desktops and GPU status of a "
                "Jupyter server with the Workbench. Every route requires Jupyter's "
                "authentication (a token in the Authorization header, or the login cookie "
                "plus the _xsrf check for changes). Errors are JSON {error: {status, "
                "message}}. The GPU stream is a WebSocket at workbench/api/gpu/stream "
                "(messages: schema gpu-stream-message)."
            ),
        },
        "servers": [{"url": base_url.rstrip("/") or "/"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": component_schemas(),
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "token <the Jupyter server's token>",
                }
            },
        },
    }


class OpenAPIHandler(WorkbenchAPIHandler):
    """``GET workbench/api/openapi.json``: this document."""

    def initialize(self, operations: list[Operation]) -> None:
        """Receive every operation of the API."""
        self.operations = operations

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(openapi_document(self.operations, self.base_url))


def openapi_handlers(operations: list[Operation]) -> list[HandlerSpec]:
    """The document's route, relative to ``base_url``."""
    return [(OPENAPI_PATH, OpenAPIHandler, {"operations": operations})]


#: The document's own operation.
OPENAPI_OPERATIONS = [
    Operation(
        "GET", OPENAPI_PATH, "This OpenAPI document", None, errors=(), media_type="application/json"
    ),
]
