"""The backend REST API and proxy routes through a real Jupyter server (pytest-jupyter)."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from tornado.httpclient import HTTPClientError

from .helpers import process_alive


@pytest.fixture
def workbench_backends(program):
    return {
        "hello": {
            "title": "Hello",
            "command": program("webapp.py", "{unix_socket}", "--title", "Hello"),
            "readiness": {"kind": "http", "path": "/", "timeout": 10},
        },
        "broken": {
            "title": "Broken",
            "command": program("webapp.py", "--no-such-flag"),
        },
        "missing": {
            "title": "Missing",
            "command": ["/nonexistent/bin/app", "{unix_socket}"],
            "install_hint": "apt install missing-app",
        },
        "bye": {
            "title": "Bye",
            "command": program("webapp.py", "{unix_socket}", "--exit-after", "0.5"),
        },
    }


def app_of(jp_serverapp):
    return next(iter(jp_serverapp.extension_manager.extension_apps["jupyter_workbench"]))


async def fetch_json(jp_fetch, *parts, **kwargs):
    response = await jp_fetch(*parts, **kwargs)
    return response.code, json.loads(response.body)


async def expect_error(jp_fetch, status, *parts, **kwargs):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*parts, **kwargs)
    assert info.value.code == status
    body = json.loads(info.value.response.body)
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    return body["error"]["message"]


async def test_catalogue_entries(jp_fetch):
    _, data = await fetch_json(jp_fetch, "workbench", "api", "backends")
    entries = {entry["name"]: entry for entry in data["backends"]}
    assert {"desktop", "vscode", "rstudio", "hello", "missing"} <= set(entries)
    hello = entries["hello"]
    assert hello["available"] is True and hello["state"] == "stopped"
    assert hello["version"].startswith("Python 3")
    assert hello["url"].endswith("/hello/")
    missing = entries["missing"]
    assert missing["available"] is False
    assert "not found" in missing["reason"]
    assert missing["install_hint"] == "apt install missing-app"


async def test_status_start_logs_stop(jp_fetch):
    code, status = await fetch_json(jp_fetch, "workbench", "api", "backends", "hello")
    assert code == 200 and status["state"] == "stopped" and status["pid"] is None
    code, status = await fetch_json(
        jp_fetch, "workbench", "api", "backends", "hello", "start", method="POST", body="{}"
    )
    assert code == 200
    assert status["state"] == "running"
    assert status["pid"] and status["started_at"] and status["url"].endswith("/hello/")
    assert any("webapp ready" in line for line in status["log_tail"])
    _, logs = await fetch_json(jp_fetch, "workbench", "api", "backends", "hello", "logs")
    assert any("webapp ready" in line for line in logs["lines"])
    _, logs = await fetch_json(
        jp_fetch, "workbench", "api", "backends", "hello", "logs", params={"lines": "1"}
    )
    assert len(logs["lines"]) == 1
    response = await jp_fetch("hello", "deep", "path")
    assert b"Hello" in response.body and b"path=/deep/path" in response.body
    code, status = await fetch_json(
        jp_fetch, "workbench", "api", "backends", "hello", "stop", method="POST", body=""
    )
    assert status["state"] == "stopped" and not process_alive(status["pid"] or 0)


async def test_failed_start_answers_502_with_logs(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("workbench", "api", "backends", "broken", "start", method="POST", body="")
    assert info.value.code == 502
    status = json.loads(info.value.response.body)
    assert status["state"] == "failed"
    assert "exited with code 2" in status["error"]
    assert any("error:" in line for line in status["log_tail"])


async def test_unavailable_backend_answers_409(jp_fetch):
    message = await expect_error(
        jp_fetch, 409, "workbench", "api", "backends", "missing", "start", method="POST", body=""
    )
    assert "apt install missing-app" in message


async def test_bad_names_and_bodies(jp_fetch):
    await expect_error(jp_fetch, 404, "workbench", "api", "backends", "nope")
    await expect_error(
        jp_fetch, 404, "workbench", "api", "backends", "nope", "start", method="POST", body=""
    )
    await expect_error(
        jp_fetch, 404, "workbench", "api", "backends", "hello", "explode", method="POST", body=""
    )
    message = await expect_error(
        jp_fetch,
        400,
        "workbench",
        "api",
        "backends",
        "hello",
        "start",
        method="POST",
        body="{not json",
    )
    assert "not valid JSON" in message
    await expect_error(
        jp_fetch, 400, "workbench", "api", "backends", "hello", "start", method="POST", body="[1]"
    )
    await expect_error(
        jp_fetch, 400, "workbench", "api", "backends", "hello", "logs", params={"lines": "x"}
    )
    await expect_error(
        jp_fetch, 400, "workbench", "api", "backends", "hello", "logs", params={"lines": "0"}
    )
    await expect_error(jp_fetch, 400, "workbench", "api", "backends", params={"refresh": "maybe"})
    await expect_error(jp_fetch, 404, "workbench", "api", "no", "such", "route")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "workbench/api/backends"),
        ("GET", "workbench/api/backends/hello"),
        ("GET", "workbench/api/backends/hello/logs"),
        ("POST", "workbench/api/backends/hello/start"),
        ("POST", "workbench/api/backends/hello/stop"),
        ("POST", "workbench/api/backends/hello/restart"),
        ("GET", "workbench/api/unknown"),
        ("GET", "hello/"),
    ],
)
async def test_every_route_requires_auth(jp_fetch, jp_serverapp, method, path):
    for auth in ("", "token not-the-token"):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(
                *path.split("/"),
                method=method,
                body="{}" if method == "POST" else None,
                headers={"Authorization": auth},
                follow_redirects=False,
            )
        assert info.value.code in {302, 401, 403}, (path, info.value.code)
    app = app_of(jp_serverapp)
    assert app.supervisor.get("hello").state.value == "stopped"


async def test_proxied_websocket_requires_auth(jp_ws_fetch):
    for auth in ("", "token not-the-token"):
        with pytest.raises(HTTPClientError) as info:
            await jp_ws_fetch("hello", "ws", headers={"Authorization": auth})
        assert info.value.code in {401, 403}


async def test_proxy_starts_a_stopped_backend_on_open(jp_fetch, jp_serverapp):
    app = app_of(jp_serverapp)
    assert app.supervisor.get("bye").state.value == "stopped"
    response = await jp_fetch("bye", "first")
    assert response.code == 200
    managed = app.supervisor.get("bye")
    # It exits cleanly after 0.5 s …
    for _ in range(100):
        if managed.state.value == "stopped":
            break
        await asyncio.sleep(0.05)
    assert managed.state.value == "stopped" and managed.last_exit_code == 0
    # … and the next open starts it again instead of answering 500.
    response = await jp_fetch("bye", "again")
    assert response.code == 200 and b"path=/again" in response.body


async def test_proxy_of_failing_backend_answers_503(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("broken", "index.html")
    assert info.value.code == 503


async def test_shutdown_stops_backends_and_removes_sockets(jp_fetch, jp_serverapp):
    app = app_of(jp_serverapp)
    await jp_fetch("workbench", "api", "backends", "hello", "start", method="POST", body="")
    pid = app.supervisor.get("hello").pid
    root = app.socket_root
    assert process_alive(pid) and os.path.isdir(root)
    assert oct(os.stat(root).st_mode & 0o777) == "0o700"
    await app.stop_extension()
    assert not process_alive(pid)
    assert not os.path.exists(root)


async def test_websockets_are_kept_alive_with_pings(jp_serverapp):
    # Long-lived proxied WebSockets (VS Code, desktops) get server pings every 30 s.
    assert jp_serverapp.web_app.settings["websocket_ping_interval"] == 30.0
