"""The wire contract in tests: validate payloads against the JSON Schemas the package ships.

``validate(payload, "gpu-snapshot")`` raises :class:`jsonschema.ValidationError` when the
payload does not match ``jupyter_workbench/schemas/gpu-snapshot.json``.
``schema_for(method, path, status)`` names the schema of a response of the REST API;
tests/conftest.py uses it to check every response the test servers give.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

import jupyter_workbench

SCHEMAS = Path(jupyter_workbench.__file__).parent / "schemas"

#: (method, path below ``workbench/api/``) → schema of a 2xx answer (and of a 502 start).
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"backends"), "backend-list"),
    ("GET", re.compile(r"backends/[^/]+"), "backend-status"),
    ("GET", re.compile(r"backends/[^/]+/logs"), "backend-logs"),
    ("POST", re.compile(r"backends/[^/]+/(start|stop|restart)"), "backend-status"),
    ("GET", re.compile(r"desktops"), "desktop-list"),
    ("GET", re.compile(r"desktops/[^/]+/renderer"), "renderer-report"),
    ("GET", re.compile(r"desktops/[^/]+/windows"), "desktop-windows"),
    ("GET", re.compile(r"gpu/snapshot"), "gpu-snapshot"),
    ("GET", re.compile(r"gpu/history"), "gpu-history"),
    ("POST", re.compile(r"gpu/checks/[^/]+"), "gpu-check"),
]


def schema_names() -> list[str]:
    """Every schema file's name (without ``.json``)."""
    return sorted(path.stem for path in SCHEMAS.glob("*.json"))


@functools.lru_cache(maxsize=1)
def registry() -> Registry:
    """Every schema, at its ``file:`` URI (relative ``$ref``s between files resolve)."""
    resources = [
        (path.as_uri(), Resource.from_contents(json.loads(path.read_text()), DRAFT7))
        for path in SCHEMAS.glob("*.json")
    ]
    return Registry().with_resources(resources)


@functools.cache
def validator(name: str) -> jsonschema.Draft7Validator:
    """A validator of schema ``name`` (checked against the draft-07 meta-schema first)."""
    path = SCHEMAS / f"{name}.json"
    schema = json.loads(path.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator({"$ref": path.as_uri()}, registry=registry())


def validate(payload: Any, name: str) -> Any:
    """Check ``payload`` against schema ``name``; return it (raise on a mismatch)."""
    error = jsonschema.exceptions.best_match(validator(name).iter_errors(payload))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise jsonschema.ValidationError(f"{name}: at {where}: {error.message}")
    return payload


def schema_for(method: str, path: str, status: int) -> str | None:
    """The schema of an answer of ``method path`` (below ``workbench/api/``) with ``status``.

    4xx/5xx answers are errors, except 502 from start/restart, which carries the status of
    the backend that failed. ``None``: a route this contract does not know (a test fails).
    """
    path = path.strip("/")
    for verb, pattern, name in ROUTES:
        if verb == method and pattern.fullmatch(path):
            if status < 400 or (status == 502 and name == "backend-status"):
                return name
    return "error" if status >= 400 else None
