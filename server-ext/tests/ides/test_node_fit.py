"""code-server's Node: found like the launcher finds it, checked against engines.node."""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from jupyter_workbench.ides.noderange import parse_version, satisfies
from jupyter_workbench.ides.vscode import VSCodeBackend, node_fit

from .test_ides import CODE_SERVER


@pytest.mark.parametrize(
    ("version", "wanted", "fits"),
    [
        ("v20.20.2", "20", True),
        ("v18.19.0", "20", False),
        ("v22.1.0", ">=18", True),
        ("v22.1.0", ">=18 <21", False),
        ("v20.11.1", "^20.11.1", True),
        ("v20.10.0", "^20.11.1", False),
        ("v20.12.0", "~20.11", False),
        ("v20.11.9", "~20.11.1", True),
        ("v19.0.0", "18 || 20", False),
        ("v20.3.0", "20.x", True),
        ("v20.3.0", "1.2.3 - 2.3.4", None),  # hyphen ranges are not read: no verdict
        ("garbage", "20", None),
    ],
)
def test_engines_ranges(version, wanted, fits):
    assert satisfies(version, wanted) is fits


def test_parse_version():
    assert parse_version("v20.20.2\n") == (20, 20, 2)
    assert parse_version("nothing") is None


def _fake_npm_install(tmp_path, engines: str, node_version: str | None):
    """An npm-style layout: bin/code-server → lib/node_modules/code-server/out/node/entry.js."""
    root = tmp_path / "lib" / "node_modules" / "code-server"
    (root / "out" / "node").mkdir(parents=True)
    (root / "package.json").write_text(
        json.dumps({"name": "code-server", "version": "4.100.0", "engines": {"node": engines}})
    )
    entry = root / "out" / "node" / "entry.js"
    entry.write_text("#!/usr/bin/env node\n")
    entry.chmod(0o755)
    (tmp_path / "bin").mkdir()
    os.symlink(entry, tmp_path / "bin" / "code-server")
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    if node_version:
        node = nodes / "node"
        node.write_text(f"#!/bin/sh\necho {node_version}\n")
        node.chmod(0o755)
    return str(tmp_path / "bin" / "code-server"), str(nodes)


async def test_a_node_that_does_not_fit_is_reported(tmp_path, monkeypatch):
    exe, nodes = _fake_npm_install(tmp_path, "20", "v18.19.0")
    monkeypatch.setenv("PATH", f"{nodes}:/usr/bin:/bin")
    info = await node_fit(exe)
    assert info["node_required"] == "20" and info["node_version"] == "v18.19.0"
    assert info["node_fits"] is False and info["node"] == os.path.join(nodes, "node")


async def test_no_node_at_all(tmp_path, monkeypatch):
    exe, nodes = _fake_npm_install(tmp_path, "20", None)
    monkeypatch.setenv("PATH", nodes)
    info = await node_fit(exe)
    assert info["node"] is None and info["node_fits"] is False


async def test_the_standalone_release_uses_its_bundled_node(tmp_path, monkeypatch):
    (tmp_path / "lib").mkdir()
    (tmp_path / "bin").mkdir()
    (tmp_path / "package.json").write_text(
        json.dumps({"name": "code-server", "engines": {"node": "20"}})
    )
    node = tmp_path / "lib" / "node"
    node.write_text("#!/bin/sh\necho v20.18.1\n")
    node.chmod(0o755)
    script = tmp_path / "bin" / "code-server"
    script.write_text(textwrap.dedent("#!/bin/sh\nexec lib/node out/node/entry.js\n"))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", "/nonexistent")
    info = await node_fit(str(script))
    assert info["node_bundled"] is True and info["node_fits"] is True


async def test_detection_says_which_node_is_wrong(tmp_path, monkeypatch):
    exe, nodes = _fake_npm_install(tmp_path, "20", "v18.19.0")
    monkeypatch.setenv("PATH", f"{nodes}:/usr/bin:/bin")
    backend = VSCodeBackend(executable=exe)
    # The fake entry point cannot run; detection's version probe is given its answers.
    backend._probe = (exe, "code-server", "4.100.0", {"--socket", "--auth"})
    detection = await backend.detect()
    assert not detection.available
    assert "needs Node 20" in detection.reason and "v18.19.0" in detection.reason
    assert "Node 20" in detection.install_hint


@pytest.mark.skipif(CODE_SERVER is None, reason="code-server not installed (make installs it)")
async def test_the_real_code_server_fits_its_node():
    info = await node_fit(CODE_SERVER)
    assert info["node_required"] and info["node_version"]
    assert info["node_fits"] is True, info
