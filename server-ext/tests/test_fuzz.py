"""The REST API fuzzed from its own OpenAPI document (schemathesis) against a live server.

A real Jupyter server (a subprocess, so schemathesis' blocking HTTP client cannot stall
it) serves ``workbench/api/openapi.json``; schemathesis generates valid and invalid
requests for every operation in it, and the test adds what generators rarely produce:
bodies nested 100,000 deep, huge, not UTF-8 or of the wrong type, on every route and
every method. It asserts: at least :data:`MIN_REQUESTS` requests, no 5xx, every error a
JSON ``error`` body, every 2xx matching its schema, no traceback from ``jupyter_workbench``
in the server's log, and the server still answering at the end.
"""

from __future__ import annotations

import collections
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.control import SkipTest

from .wire import validate

HERE = Path(__file__).parent
TOKEN = "fuzz-token"
#: Generated examples per operation and generation method (valid, invalid).
EXAMPLES = {"positive": 45, "negative": 35}
#: Fewer for the GPU checks, which run a subprocess each.
CHECK_EXAMPLES = 10
MIN_REQUESTS = 1000
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
BAD_BODIES = {
    "nested-arrays": b"[" * 100_000,
    "nested-objects": b'{"a":' * 50_000,
    "huge": b'{"a": "' + b"x" * 2_000_000 + b'"}',
    "not-utf8": b'{"a": "\xff\xfe"}',
    "utf16": '{"a": 1}'.encode("utf-16"),
    "wrong-type-array": b"[]",
    "wrong-type-string": b'"start"',
    "wrong-type-number": b"12",
    "null": b"null",
    "truncated": b'{"a": [1, 2',
    "nul": b"\x00\x00",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A Jupyter server with the Workbench on 127.0.0.1, its log in a file."""
    root = tmp_path_factory.mktemp("fuzz")
    runtime = root / "rt"
    runtime.mkdir()
    port = free_port()
    config = root / "jupyter_server_config.json"
    webapp = [sys.executable, str(HERE / "programs" / "webapp.py"), "{unix_socket}"]
    config.write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": {"jupyter_workbench": True},
                    "allow_root": True,
                    "root_dir": str(root),
                    "ip": "127.0.0.1",
                    "port": port,
                    "port_retries": 0,
                    "open_browser": False,
                    "base_url": "/user/fuzz/",
                },
                "IdentityProvider": {"token": TOKEN},
                "WorkbenchApp": {
                    "runtime_dir": str(runtime),
                    "disabled_backends": ["desktop", "vscode", "rstudio"],
                    "backends": {
                        "hello": {"title": "Hello", "command": webapp},
                    },
                },
                "GPUMonitor": {"source": "none"},
            }
        )
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(root / "cfg"),
        "JUPYTER_RUNTIME_DIR": str(root / "jrt"),
        "JUPYTER_DATA_DIR": str(root / "data"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    log_path = root / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", f"--config={config}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}/user/fuzz/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "api/status", timeout=2, headers=auth()).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base, log_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def auth() -> dict[str, str]:
    return {"Authorization": f"token {TOKEN}"}


class Tally:
    """Every answer seen, and what was wrong with any."""

    def __init__(self) -> None:
        self.count = 0
        self.statuses: collections.Counter[int] = collections.Counter()
        self.problems: list[str] = []

    def check(self, label: str, response) -> None:
        self.count += 1
        self.statuses[response.status_code] += 1
        code = response.status_code
        if code >= 500:
            self.problems.append(f"{label}: {code} {response.text[:200]}")
        elif (
            code >= 400
            and response.request.method != "HEAD"
            and "/workbench/api/" in response.request.url
        ):
            try:
                validate(response.json(), "error")
            except Exception as err:  # any undecodable or off-contract error body
                self.problems.append(f"{label}: {code} error body off contract: {err}")


def fuzz_document(base: str) -> dict:
    """The served document, with the test backend's name offered to the generators."""
    response = requests.get(base + "workbench/api/openapi.json", headers=auth(), timeout=10)
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.1")
    for item in doc["paths"].values():
        for op in item.values():
            for param in op.get("parameters", []):
                if param["name"] == "name" and "enum" not in param["schema"]:
                    param["schema"] = {"anyOf": [{"enum": ["hello"]}, param["schema"]]}
    return doc


def test_openapi_document_requires_auth(live_server):
    base, _ = live_server
    response = requests.get(base + "workbench/api/openapi.json", timeout=10)
    assert response.status_code == 403
    assert "openapi" not in response.text


def test_openapi_document_covers_every_route(live_server):
    base, _ = live_server
    doc = fuzz_document(base)
    paths = set(doc["paths"])
    for path in (
        "/workbench/api/backends",
        "/workbench/api/backends/{name}",
        "/workbench/api/backends/{name}/logs",
        "/workbench/api/backends/{name}/start",
        "/workbench/api/backends/{name}/stop",
        "/workbench/api/backends/{name}/restart",
        "/workbench/api/desktops",
        "/workbench/api/desktops/{name}/renderer",
        "/workbench/api/desktops/{name}/windows",
        "/workbench/api/gpu/snapshot",
        "/workbench/api/gpu/history",
        "/workbench/api/gpu/checks/{name}",
        "/workbench/metrics",
        "/workbench/api/openapi.json",
    ):
        assert path in paths, path
    assert doc["servers"] == [{"url": "/user/fuzz"}]
    # Built from the wire contract's files, not a copy: every schema is there, refs rewritten.
    schemas = doc["components"]["schemas"]
    assert {"backend-status", "gpu-snapshot", "error", "renderer-report"} <= set(schemas)
    assert '.json"' not in json.dumps(schemas) and '"#/definitions' not in json.dumps(schemas)


def response_schema(operation) -> str | None:
    """The wire-contract schema of ``operation``'s 200 answer, if it is JSON with one."""
    content = operation.definition.raw["responses"]["200"].get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref")
    return ref.rsplit("/", 1)[1] if ref else None


def run_examples(operation, strategy, examples: int, session, tally: Tally, base_url: str) -> None:
    """Send ``examples`` cases drawn from ``strategy`` (reproducibly) and check each answer."""
    schema_name = response_schema(operation)

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        headers = {**(case.headers or {}), **auth()}
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        tally.check(f"{operation.label} {case.path_parameters}", response)
        if response.status_code < 300 and schema_name:
            validate(response.json(), schema_name)

    try:
        run()
    except SkipTest:
        pass  # nothing invalid to generate (an operation without parameters or body)


def test_fuzz_the_rest_api(live_server):
    base, log_path = live_server
    origin = base.split("/user/")[0]
    doc = fuzz_document(base)
    schema = schemathesis.openapi.from_dict(doc)
    session = requests.Session()
    tally = Tally()
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(item) for item in doc["paths"].values())
    for operation in operations:
        for method, examples in EXAMPLES.items():
            if "/gpu/checks/" in operation.path:
                examples = CHECK_EXAMPLES
            strategy = operation.as_strategy(generation_mode=GenerationMode(method))
            run_examples(operation, strategy, examples, session, tally, origin + "/user/fuzz")
    generated = tally.count
    # Every route and every method, with no body and small bad ones; every POST route with
    # every bad body (huge ones included).
    small = {label: BAD_BODIES[label] for label in ("nested-arrays", "not-utf8", "null")}
    for path, item in doc["paths"].items():
        url = base + path.lstrip("/").replace("{name}", "hello")
        for method in METHODS:
            bodies = BAD_BODIES if method.lower() in item and method == "POST" else small
            for label, body in (("no body", None), *bodies.items()):
                if method == "HEAD" and body is not None:
                    continue
                headers = {**auth(), "Content-Type": "application/json"}
                response = session.request(method, url, data=body, headers=headers, timeout=30)
                tally.check(f"{method} {path} [{label}]", response)
    elapsed = time.monotonic() - started
    print(
        f"\nfuzz: {tally.count} requests ({generated} generated by schemathesis) in "
        f"{elapsed:.1f} s; statuses {dict(sorted(tally.statuses.items()))}"
    )
    assert tally.count >= MIN_REQUESTS
    assert not tally.problems, "\n".join(tally.problems[:30])
    # Still answering, and nothing of ours blew up in the log.
    assert requests.get(base + "workbench/api/backends", headers=auth(), timeout=10).ok
    log = log_path.read_text(errors="replace")
    assert not re.search(r"\] 5\d\d [A-Z]+ ", log), re.findall(r".*\] 5\d\d [A-Z]+ .*", log)[:5]
    tracebacks = [block for block in log.split("Traceback (most recent call last)")[1:]]
    ours = [block[:1500] for block in tracebacks if "jupyter_workbench" in block]
    assert not ours, ours[0]
    assert "Uncaught exception" not in log
