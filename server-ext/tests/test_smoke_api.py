import json

import pytest


@pytest.fixture
def workbench_backends(program):
    return {"hello": {"title": "Hello", "command": program("webapp.py", "{unix_socket}")}}


async def test_catalogue_lists_builtin_and_custom(jp_fetch):
    resp = await jp_fetch("workbench", "api", "backends")
    data = json.loads(resp.body)
    names = [b["name"] for b in data["backends"]]
    assert {"desktop", "vscode", "rstudio", "hello"} <= set(names)


async def test_start_proxy_stop(jp_fetch):
    resp = await jp_fetch("workbench", "api", "backends", "hello", "start", method="POST", body="")
    data = json.loads(resp.body)
    assert data["state"] == "running", data
    resp = await jp_fetch("hello", "some", "page")
    assert b"Hello" in resp.body or b"Workbench test app" in resp.body
    resp = await jp_fetch("workbench", "api", "backends", "hello", "stop", method="POST", body="")
    assert json.loads(resp.body)["state"] == "stopped"
