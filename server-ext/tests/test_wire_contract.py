"""The wire contract: the JSON Schemas in jupyter_workbench/schemas against real payloads.

Every REST answer of the test servers is validated by tests/conftest.py (``jp_fetch``) and
every GPU stream message by ``jp_ws_fetch``; this module checks the schemas themselves, the
snapshots of every real capture (golden files) and of the NVML source, and that a payload
that breaks the contract fails.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from jupyter_workbench.gpu.health import with_health
from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.nvml import NvmlSource
from jupyter_workbench.gpu.parse import parse_any

from .gpu import nvml_double as nd
from .gpu.gpu_fixtures import read
from .wire import ROUTES, SCHEMAS, schema_for, schema_names, validate

GOLDEN = sorted((Path(__file__).parent / "gpu" / "golden").glob("*.json"))


@pytest.mark.parametrize("name", schema_names())
def test_schemas_are_valid_draft7_with_descriptions(name):
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema.get("title") and schema.get("description"), name

    def walk(node, where):
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                for key, sub in props.items():
                    # A field documents itself (JSDoc), unless it is a $ref to a documented one.
                    assert "description" in sub or "$ref" in sub, f"{name}: {where}/{key}"
            for key, sub in node.items():
                if key != "if":  # a condition, not a field
                    walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}/{i}")

    walk(schema, "")


def test_every_route_names_an_existing_schema():
    names = set(schema_names())
    assert {name for _, _, name in ROUTES} <= names
    assert {"error", "gpu-stream-message", "gpu-stream-control"} <= names
    assert schema_for("GET", "backends/desktop", 200) == "backend-status"
    assert schema_for("POST", "backends/desktop/start", 502) == "backend-status"
    assert schema_for("POST", "backends/desktop/start", 409) == "error"
    assert schema_for("GET", "no/such/route", 200) is None


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden_snapshots_match_the_schema(path):
    snapshot = validate(json.loads(path.read_text()), "gpu-snapshot")
    validate({"type": "snapshot", "data": snapshot}, "gpu-stream-message")


def nvml_snapshot(name: str, **double) -> dict:
    expected = snapshot_from_tree(parse_any(read(name)), "file", 0)
    return with_health(NvmlSource(nd.NvmlDouble(expected, **double)).sample())


@pytest.mark.parametrize(
    ("capture", "double"),
    [
        ("linux-x86_64__nvidia-h200__590.48.01.txt", {}),
        ("linux-x86_64__nvidia-h100-mig__590.48.01.txt", {}),
        ("tesla_p4.xml", {"fail_all": nd.NVML_ERROR_NOT_SUPPORTED}),
        ("tesla-t4.xml", {"init_error": nd.NVML_ERROR_LIBRARY_NOT_FOUND}),
        ("tesla-t4.xml", {"fail": {"nvmlDeviceGetHandleByIndex": nd.NVML_ERROR_GPU_IS_LOST}}),
    ],
)
def test_nvml_snapshots_match_the_schema(capture, double):
    snapshot = validate(nvml_snapshot(capture, **double), "gpu-snapshot")
    if "fail" in double:
        assert snapshot["gpus"][0]["lost"] is True


def test_a_payload_that_breaks_the_contract_fails():
    good = json.loads(GOLDEN[0].read_text())
    validate(good, "gpu-snapshot")
    for path, value in [
        (("gpus", 0, "temperature_c"), "hot"),  # a number or null
        (("gpus", 0, "health", "verdict"), "fine"),  # not a verdict
        (("gpus", 0, "surprise"), 1),  # closed shape
        (("status",), None),  # required, not nullable
    ]:
        bad = copy.deepcopy(good)
        node = bad
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        with pytest.raises(jsonschema.ValidationError):
            validate(bad, "gpu-snapshot")
    missing = copy.deepcopy(good)
    del missing["gpus"][0]["na"]
    with pytest.raises(jsonschema.ValidationError, match="na"):
        validate(missing, "gpu-snapshot")


def test_stream_control_messages():
    validate({"type": "pause"}, "gpu-stream-control")
    validate({"type": "resume"}, "gpu-stream-control")
    with pytest.raises(jsonschema.ValidationError):
        validate({"type": "stop"}, "gpu-stream-control")


def test_desktop_extras_only_on_desktop_backends():
    entry = {
        "name": "vscode",
        "title": "VS Code",
        "description": "",
        "kind": "web",
        "icon": "vscode",
        "open_in": "tab",
        "allows_framing": True,
        "available": True,
        "reason": None,
        "install_hint": None,
        "version": "4.99.0",
        "state": "stopped",
        "url": "/vscode/",
        "raw_socket": False,
    }
    validate({"backends": [entry]}, "backend-list")
    status = {
        **entry,
        "pid": None,
        "restarts": 0,
        "last_exit_code": None,
        "started_at": None,
        "ready_at": None,
        "uptime": None,
        "elapsed": None,
        "timeout": 60.0,
        "error": None,
        "next_restart_in": None,
        "log_tail": [],
        "intent_deadline": None,
        "loopback_port": None,
        "detection": {
            "available": True,
            "version": "4.99.0",
            "reason": None,
            "install_hint": None,
            "executable": "/usr/bin/code-server",
            "details": {},
        },
    }
    validate(status, "backend-status")
    with pytest.raises(jsonschema.ValidationError):
        validate({**status, "kind": "desktop"}, "backend-status")  # a desktop has extras
    with pytest.raises(jsonschema.ValidationError):
        validate({**status, "display": ":1"}, "backend-status")  # not at the top level
