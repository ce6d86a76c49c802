"""Notebook 7 shows a desktop on a page of its own (its pages have no dock)."""

from __future__ import annotations

import json
import re

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_workbench.desktop.page import notebook_bundle


@pytest.fixture
def jp_server_config(jp_server_config):
    """The desktop test server, with Jupyter Notebook 7 enabled too."""
    extensions = jp_server_config["ServerApp"]["jpserver_extensions"]
    return {
        **jp_server_config,
        "ServerApp": {"jpserver_extensions": {**extensions, "notebook": True}},
    }


def test_the_bundle_name_is_read_from_a_notebook_template():
    source = '<script defer="defer" src="{{x}}/main.a7084e35c3230587.js?v=a7084e35c3230587">'
    assert notebook_bundle(source) == "main.a7084e35c3230587.js?v=a7084e35c3230587"
    assert notebook_bundle("<html></html>") is None


async def test_the_desktop_page_is_notebooks_app_with_the_desktop_named(jp_fetch):
    response = await jp_fetch("workbench", "desktops", "desktop", "view")
    html = response.body.decode()
    config = json.loads(
        re.search(r'id="jupyter-config-data" type="application/json">(.*?)</script>', html)[1]
    )
    assert config["notebookPage"] == "workbench-desktop"
    assert config["workbenchDesktop"] == "desktop"
    assert config["appName"] == "Jupyter Notebook"
    assert re.search(r'src="[^"]+/main\.[0-9a-f]+\.js', html)
    # The bundle it names is served.
    src = re.search(r'src="([^"]+main\.[0-9a-f]+\.js)', html)[1]
    assert src.startswith(config["fullStaticUrl"])


async def test_the_desktop_page_needs_a_desktop(jp_fetch):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("workbench", "desktops", "nosuch", "view")
    assert err.value.code == 404
