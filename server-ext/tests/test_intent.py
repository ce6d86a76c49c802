"""Start on intent (core/intent.py) through a real server: the deadline, and whom it spares."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_workbench.core.intent import IntentStarts

from .test_handlers import app_of, expect_error

#: Seconds an intent start waits to be opened, in these tests.
TIMEOUT = 1.5


@pytest.fixture
def workbench_backends(program):
    return {
        "hello": {
            "title": "Hello",
            "command": program("webapp.py", "{unix_socket}", "--title", "Hello"),
            "readiness": {"kind": "http", "path": "/", "timeout": 10},
        },
        "missing": {
            "title": "Missing",
            "command": ["/nonexistent/bin/app", "{unix_socket}"],
        },
    }


@pytest.fixture
def intent_timeout() -> float:
    return TIMEOUT


@pytest.fixture
def jp_server_config(jp_server_config, intent_timeout):
    jp_server_config["WorkbenchApp"]["intent_timeout"] = intent_timeout
    return jp_server_config


async def intent_start(jp_fetch, name="hello", body='{"intent": true}'):
    response = await jp_fetch(
        "workbench", "api", "backends", name, "start", method="POST", body=body
    )
    return response.code, json.loads(response.body)


async def status(jp_fetch, name="hello"):
    response = await jp_fetch("workbench", "api", "backends", name)
    return json.loads(response.body)


async def wait_state(managed, states, timeout=15.0):
    end = time.monotonic() + timeout
    while managed.state.value not in states:
        assert time.monotonic() < end, f"still {managed.state.value}, not {states}"
        await asyncio.sleep(0.05)


async def test_not_opened_in_time_is_stopped(jp_fetch, jp_serverapp):
    managed = app_of(jp_serverapp).supervisor.get("hello")
    before = time.time()
    code, data = await intent_start(jp_fetch)
    assert code == 202
    assert data["state"] in {"starting", "running"}
    assert before + TIMEOUT <= data["intent_deadline"] <= time.time() + TIMEOUT
    await wait_state(managed, {"running"})
    assert (await status(jp_fetch))["intent_deadline"] == data["intent_deadline"]
    await wait_state(managed, {"stopped"}, timeout=TIMEOUT + 10)
    assert time.time() >= data["intent_deadline"]
    assert (await status(jp_fetch))["intent_deadline"] is None


async def test_opened_in_time_keeps_running(jp_fetch, jp_serverapp):
    managed = app_of(jp_serverapp).supervisor.get("hello")
    code, _ = await intent_start(jp_fetch)
    assert code == 202
    response = await jp_fetch("hello", "page")  # opened through the proxy
    assert response.code == 200
    assert (await status(jp_fetch))["intent_deadline"] is None
    await asyncio.sleep(TIMEOUT + 0.5)
    assert managed.state.value == "running"


async def test_explicit_start_after_intent_is_not_stopped(jp_fetch, jp_serverapp):
    managed = app_of(jp_serverapp).supervisor.get("hello")
    await intent_start(jp_fetch)
    response = await jp_fetch(
        "workbench", "api", "backends", "hello", "start", method="POST", body="{}"
    )
    assert response.code == 200
    assert json.loads(response.body)["intent_deadline"] is None
    await asyncio.sleep(TIMEOUT + 0.5)
    assert managed.state.value == "running"


async def test_already_running_is_not_stopped(jp_fetch, jp_serverapp):
    managed = app_of(jp_serverapp).supervisor.get("hello")
    await jp_fetch("workbench", "api", "backends", "hello", "start", method="POST", body="")
    code, data = await intent_start(jp_fetch)
    assert code == 202 and data["state"] == "running" and data["intent_deadline"] is None
    await asyncio.sleep(TIMEOUT + 0.5)
    assert managed.state.value == "running"


async def test_repeated_intent_moves_the_deadline(jp_fetch, jp_serverapp):
    managed = app_of(jp_serverapp).supervisor.get("hello")
    _, first = await intent_start(jp_fetch)
    await asyncio.sleep(TIMEOUT / 2)
    _, second = await intent_start(jp_fetch)
    assert second["intent_deadline"] > first["intent_deadline"]
    await asyncio.sleep(max(0.0, first["intent_deadline"] - time.time()) + 0.3)
    assert managed.state.value == "running"  # the first deadline has passed, not the second
    await wait_state(managed, {"stopped"}, timeout=TIMEOUT + 10)


async def test_unavailable_backend_answers_409(jp_fetch):
    message = await expect_error(
        jp_fetch,
        409,
        "workbench",
        "api",
        "backends",
        "missing",
        "start",
        method="POST",
        body='{"intent": true}',
    )
    assert "not available" in message


@pytest.mark.parametrize(
    "body",
    [
        '{"intent": "yes"}',
        '{"intent": 1}',
        '{"intent": null}',
        '{"intent": true, "x": 1}',
        '{"when": "now"}',
        "[true]",
        "intent",
        '{"intent": tru',
    ],
)
async def test_bad_bodies_answer_400(jp_fetch, jp_serverapp, body):
    await expect_error(
        jp_fetch, 400, "workbench", "api", "backends", "hello", "start", method="POST", body=body
    )
    assert app_of(jp_serverapp).supervisor.get("hello").state.value == "stopped"


async def test_requires_auth(jp_fetch, jp_serverapp):
    for auth in ("", "token not-the-token"):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(
                "workbench",
                "api",
                "backends",
                "hello",
                "start",
                method="POST",
                body='{"intent": true}',
                headers={"Authorization": auth},
                follow_redirects=False,
            )
        assert info.value.code in {302, 401, 403}
    assert app_of(jp_serverapp).supervisor.get("hello").state.value == "stopped"


async def test_shutdown_cancels_deadlines():
    intents = IntentStarts(timeout=30)
    assert intents.enabled and intents.deadline("x") is None
    await intents.close()
    assert not IntentStarts(timeout=0).enabled


class TestDisabled:
    @pytest.fixture
    def intent_timeout(self) -> float:
        return 0

    async def test_answers_409(self, jp_fetch, jp_serverapp):
        message = await expect_error(
            jp_fetch,
            409,
            "workbench",
            "api",
            "backends",
            "hello",
            "start",
            method="POST",
            body='{"intent": true}',
        )
        assert "intent_timeout" in message
        assert app_of(jp_serverapp).supervisor.get("hello").state.value == "stopped"
        # An explicit start still works.
        response = await jp_fetch(
            "workbench",
            "api",
            "backends",
            "hello",
            "start",
            method="POST",
            body='{"intent": false}',
        )
        assert response.code == 200 and json.loads(response.body)["state"] == "running"
