"""VS Code in the browser: code-server or openvscode-server, on a unix socket only.

code-server (Coder) and openvscode-server (Gitpod) are told apart by their ``--version``
output (openvscode-server prints the bare VS Code version and commit; code-server prints
``4.x.y <commit> with Code 1.x``). Flags are passed only when the program's ``--help``
lists them (probed once, cached), so older and newer releases both start.

code-server::

    code-server --auth none --socket S --socket-mode 0600 --disable-telemetry
      --disable-update-check --disable-workspace-trust --disable-getting-started-override
      --disable-proxy --abs-proxy-base-path {base_url}vscode --config <private yaml>
      --user-data-dir D --extensions-dir E <jupyter root>

openvscode-server::

    openvscode-server --socket-path S --without-connection-token --server-base-path
      {base_url}vscode --telemetry-level off --user-data-dir D --extensions-dir E
      --default-folder <jupyter root>

Readiness: ``GET /healthz`` on the socket answers 200.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any  # Any: detection details are JSON-like; traitlets kwargs

from traitlets import Unicode, default

from ..core.backend import (
    Backend,
    BackendError,
    Detection,
    LaunchContext,
    LaunchPlan,
    find_executable,
    program_version,
)
from ..core.readiness import ReadinessProbe
from .noderange import satisfies

_CODE_SERVER_VERSION = re.compile(r"^(\d+\.\d+\.\d+)\s+\S+\s+with Code\s+(\S+)", re.M)


def flavour_of(version_output: str) -> tuple[str, str | None]:
    """``("code-server", "4.100.0")`` or ``("openvscode-server", "1.100.0")`` from --version."""
    match = _CODE_SERVER_VERSION.search(version_output)
    if match:
        return "code-server", match.group(1)
    first = version_output.strip().splitlines()[0] if version_output.strip() else ""
    return "openvscode-server", first.split()[0] if first else None


def supported_flags(help_output: str) -> set[str]:
    """Every ``--flag`` that ``--help`` lists."""
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]+)", help_output))


class VSCodeBackend(Backend):
    """VS Code (code-server or openvscode-server), proxied at ``{base_url}vscode/``."""

    executable = Unicode(
        "", help="Path of code-server or openvscode-server; empty = look on PATH."
    ).tag(config=True)
    user_data_dir = Unicode(
        "~/.local/share/jupyter-workbench/vscode/user-data",
        help="Persistent VS Code settings, state and history.",
    ).tag(config=True)
    extensions_dir = Unicode(
        "~/.local/share/jupyter-workbench/vscode/extensions",
        help="Persistent VS Code extensions.",
    ).tag(config=True)

    @default("name")
    def _default_name(self) -> str:
        return "vscode"

    @default("title")
    def _default_title(self) -> str:
        return "VS Code"

    @default("icon")
    def _default_icon(self) -> str:
        return "vscode"

    @default("description")
    def _default_description(self) -> str:
        return "VS Code in the browser, on this session's files"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._probe: tuple[str, str, str | None, set[str]] | None = None

    def readiness(self) -> ReadinessProbe:
        """``GET /healthz`` answers 200 once the server is up."""
        return ReadinessProbe(
            kind="http", path="/healthz", accept_status=(200,), timeout=self.timeout
        )

    async def probe(self) -> tuple[str, str, str | None, set[str]] | None:
        """``(executable, flavour, version, flags)``, probed once."""
        if self._probe is not None:
            return self._probe
        exe = self.executable or find_executable(["code-server", "openvscode-server"])
        if not exe:
            return None
        version_out = await program_version([exe, "--version"], timeout=20) or ""
        help_out = await program_version([exe, "--help"], timeout=20) or ""
        flavour, version = flavour_of(version_out)
        self._probe = (exe, flavour, version, supported_flags(help_out))
        return self._probe

    async def detect(self) -> Detection:
        """Found, with its flavour and version; else how to install it."""
        probe = await self.probe()
        if probe is None:
            return Detection(
                available=False,
                reason="VS Code (code-server) is not installed",
                install_hint="npm install -g code-server@4.100.0 (Node 20), or the code-server "
                ".deb from github.com/coder/code-server; or install openvscode-server",
            )
        exe, flavour, version, flags = probe
        details: dict[str, Any] = {"flavour": flavour}
        if flavour == "code-server":
            details.update(await node_fit(exe))
        if details.get("node_fits") is False:
            node = details.get("node")
            found = (
                f"{node} is {details.get('node_version') or 'unusable'}"
                if node
                else "there is no node on PATH"
            )
            return Detection(
                available=False,
                version=version,
                executable=exe,
                details=details,
                reason=f"code-server {version} needs Node {details.get('node_required')}, "
                f"but {found}",
                install_hint=f"Install Node {details.get('node_required')} (nvm, NodeSource), "
                "or code-server's standalone release, which bundles its own Node",
            )
        if not ({"--socket", "--socket-path"} & flags):
            return Detection(
                available=False,
                version=version,
                executable=exe,
                details=details,
                reason=f"{flavour} {version} cannot listen on a unix socket",
                install_hint="Upgrade code-server to 4.x or openvscode-server to 1.60+",
            )
        return Detection(
            available=True, version=f"{flavour} {version}", executable=exe, details=details
        )

    def command(self, ctx: LaunchContext, flavour: str, exe: str, flags: set[str]) -> list[str]:
        """The exact command line for ``flavour`` with the flags the program supports."""
        data = os.path.expanduser(self.user_data_dir)
        extensions = os.path.expanduser(self.extensions_dir)
        base = ctx.url.rstrip("/")
        if flavour == "openvscode-server":
            argv = [exe, "--socket-path", ctx.socket_path, "--without-connection-token"]
            optional = [
                ("--server-base-path", base),
                ("--telemetry-level", "off"),
                ("--user-data-dir", data),
                ("--extensions-dir", extensions),
                ("--default-folder", ctx.root_dir),
            ]
            for flag, value in optional:
                if flag in flags:
                    argv += [flag, value]
            return argv
        argv = [exe, "--auth", "none", "--socket", ctx.socket_path]
        optional_pairs = [
            ("--socket-mode", "0600"),
            ("--abs-proxy-base-path", base),
            ("--config", os.path.join(ctx.socket_dir, "config.yaml")),
            ("--user-data-dir", data),
            ("--extensions-dir", extensions),
        ]
        switches = [
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--disable-getting-started-override",
            "--disable-proxy",
        ]
        for flag, value in optional_pairs:
            if flag in flags:
                argv += [flag, value]
        argv += [flag for flag in switches if flag in flags]
        return [*argv, ctx.root_dir]

    async def launch_plan(self, ctx: LaunchContext) -> LaunchPlan:
        """Create the private config and the persistent directories, then the command."""
        probe = await self.probe()
        if probe is None:
            raise BackendError("VS Code (code-server) is not installed")
        exe, flavour, _, flags = probe
        for path in (self.user_data_dir, self.extensions_dir):
            os.makedirs(os.path.expanduser(path), mode=0o700, exist_ok=True)
        os.makedirs(ctx.socket_dir, mode=0o700, exist_ok=True)
        config = os.path.join(ctx.socket_dir, "config.yaml")
        with open(os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write("# written by jupyter-workbench: no password, no TCP port\nauth: none\n")
        env = {"VSCODE_PROXY_URI": "", **self.render_env(ctx)}
        return LaunchPlan(argv=self.command(ctx, flavour, exe, flags), env=env, cwd=ctx.root_dir)

    @property
    def open_path(self) -> str:
        """Open the Jupyter root as the workspace folder."""
        return ""


def _code_server_package(exe: str) -> tuple[str, dict[str, Any]] | None:
    """code-server's package root and package.json, found upwards from its real path.

    npm installs link ``bin/code-server`` to ``<root>/out/node/entry.js``; the standalone
    release has ``<root>/bin/code-server`` (a script) next to ``<root>/lib/node``.
    """
    folder = os.path.dirname(os.path.realpath(exe))
    for _ in range(5):
        try:
            with open(os.path.join(folder, "package.json"), encoding="utf-8") as handle:
                data = json.load(handle)
            if data.get("name") == "code-server":
                return folder, data
        except (OSError, ValueError):
            pass
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return None


async def node_fit(exe: str) -> dict[str, Any]:
    """Which Node runs code-server, its version, and whether it fits ``engines.node``."""
    package = _code_server_package(exe)
    if package is None:
        return {}
    root, data = package
    wanted = (data.get("engines") or {}).get("node")
    bundled = os.path.join(root, "lib", "node")
    node = bundled if os.access(bundled, os.X_OK) else find_executable(["node"])
    info: dict[str, Any] = {
        "node_required": wanted,
        "node": node,
        "node_bundled": node == bundled,
        "node_version": None,
        "node_fits": False if node is None else None,
    }
    if node is not None:
        out = await program_version([node, "--version"], timeout=10)
        info["node_version"] = out.splitlines()[0].strip() if out else None
        info["node_fits"] = satisfies(out or "", wanted or "") if out else False
    return info
