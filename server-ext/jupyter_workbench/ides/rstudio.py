"""RStudio Server (``rserver``) for this session's user, on a unix socket.

The flags are those jupyter-rsession-proxy 2.5 passes (``--auth-none=1
--www-frame-origin=same --www-verify-user-agent=0 --secure-cookie-key-file
--server-user``), plus ``--server-daemonize=0`` so the supervisor owns the process. The
optional ones are passed only when ``rserver --help`` lists them (probed once, cached):
``--www-root-path``, ``--server-data-dir``, ``--database-config-file``,
``--rsession-which-r``, ``--www-thread-pool-size`` and ``--www-socket``. An rserver
without ``--www-socket`` (releases before 2023.03) is by default reported as unavailable
with an upgrade hint rather than started on a TCP port. An admin who accepts a port that
every user of the node can reach sets ``c.RStudioBackend.loopback_fallback = True``: it
then listens on ``--www-address=127.0.0.1 --www-port=<port>``, the port chosen by the
kernel and verified to be rserver's before the supervisor bridges the unix socket to it
(:mod:`jupyter_workbench.core.loopback`).
Each session gets a private data directory, an sqlite database config and its own
cookie key.

Several R versions: ``c.WorkbenchRStudio.versions = [{"name": "rstudio-44", "title":
"RStudio (R 4.4)", "r_path": "/opt/R/4.4.1/bin/R"}]`` — one tile each.
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
from typing import Any  # Any: proxy options and version specs are JSON-like config

from traitlets import Bool, Dict, Int, List, Unicode, default
from traitlets.config import Configurable, LoggingConfigurable

from ..core.backend import (
    Backend,
    BackendError,
    Detection,
    LaunchContext,
    LaunchPlan,
    find_executable,
    program_version,
)
from ..core.loopback import reserve_loopback_port
from ..core.readiness import ReadinessProbe
from .keyfiles import fix_hint, unreadable_files
from .rewrite import location_rewriter

RSERVER_CANDIDATES = ("rserver", "/usr/lib/rstudio-server/bin/rserver")
OPTIONAL_FLAGS = (
    "--www-root-path",
    "--server-data-dir",
    "--database-config-file",
    "--rsession-which-r",
    "--www-thread-pool-size",
    "--www-socket",
)


class WorkbenchRStudio(LoggingConfigurable):
    """RStudio tiles (``c.WorkbenchRStudio.…``)."""

    versions = List(
        Dict(),
        default_value=[],
        help="Extra RStudio tiles, one per R version: {name, title, r_path}.",
    ).tag(config=True)


class RStudioBackend(Backend):
    """RStudio Server, proxied at ``{base_url}<name>/``."""

    executable = Unicode(
        "", help="Path of rserver; empty = look on PATH and in /usr/lib/rstudio-server/bin."
    ).tag(config=True)
    r_path = Unicode("", help="R executable for this tile (--rsession-which-r).").tag(config=True)
    thread_pool_size = Int(2, help="--www-thread-pool-size, when supported.").tag(config=True)
    loopback_fallback = Bool(
        False,
        help="For an rserver without --www-socket (before 2023.03): listen on a loopback "
        "port chosen by the kernel, bridged from the unix socket. Any user of this machine "
        "can reach that port (RStudio runs with --auth-none), so this is off by default.",
    ).tag(config=True)

    @default("name")
    def _default_name(self) -> str:
        return "rstudio"

    @default("title")
    def _default_title(self) -> str:
        return "RStudio"

    @default("icon")
    def _default_icon(self) -> str:
        return "rstudio"

    @default("description")
    def _default_description(self) -> str:
        return "RStudio Server on this session's files"

    @default("proxy_options")
    def _default_proxy_options(self) -> dict[str, Any]:
        return {"rewrite_response": [location_rewriter()]}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._probe: tuple[str, str | None, set[str]] | None = None

    def readiness(self) -> ReadinessProbe:
        """Any HTTP answer below 500 (RStudio redirects to its sign-in page)."""
        return ReadinessProbe(kind="http", path="/", timeout=self.timeout)

    async def probe(self) -> tuple[str, str | None, set[str]] | None:
        """``(executable, version, flags)``, probed once."""
        if self._probe is not None:
            return self._probe
        exe = self.executable or find_executable(list(RSERVER_CANDIDATES))
        if not exe:
            return None
        help_out = await program_version([exe, "--help"], timeout=20) or ""
        version_out = await program_version([exe, "--version"], timeout=20) or ""
        match = re.search(r"(\d{4}\.\d{2}\.\d+(?:\+\d+)?|\d+\.\d+\.\d+)", version_out)
        flags = set(re.findall(r"(--[a-z][a-z0-9-]+)", help_out))
        self._probe = (exe, match.group(1) if match else None, flags)
        return self._probe

    async def detect(self) -> Detection:
        """Found (with its version), else what to install."""
        probe = await self.probe()
        if probe is None:
            return Detection(
                available=False,
                reason="RStudio Server (rserver) is not installed",
                install_hint="Install R and the rstudio-server .deb from Posit "
                "(https://posit.co/download/rstudio-server/)",
            )
        exe, version, flags = probe
        details = {
            "www_socket": "--www-socket" in flags,
            "transport": "unix" if "--www-socket" in flags else "loopback",
        }
        if self.transport(flags) is None:
            return Detection(
                available=False,
                version=version,
                executable=exe,
                details=details,
                reason=f"RStudio Server {version or ''} cannot listen on a unix socket "
                "(no --www-socket); Jupyter Workbench never opens a TCP port for it",
                install_hint="Upgrade RStudio Server to 2023.03 or later (or, accepting a "
                "loopback port other users can reach, set "
                "c.RStudioBackend.loopback_fallback = True)",
            )
        if self.r_path and not os.access(self.r_path, os.X_OK):
            return Detection(
                available=False,
                version=version,
                executable=exe,
                details=details,
                reason=f"R is not at {self.r_path}",
                install_hint="Fix r_path in c.WorkbenchRStudio.versions",
            )
        return Detection(available=True, version=version, executable=exe, details=details)

    def transport(self, flags: set[str]) -> str | None:
        """``"unix"`` (``--www-socket``), ``"loopback"`` (the allowed fallback) or ``None``."""
        if "--www-socket" in flags:
            return "unix"
        if self.loopback_fallback and "--www-port" in flags:
            return "loopback"
        return None

    def command(
        self, ctx: LaunchContext, exe: str, flags: set[str], port: int | None = None
    ) -> list[str]:
        """The exact rserver command line for the flags this version supports.

        ``port``: the loopback port, for an rserver without ``--www-socket``.
        """
        data_dir = os.path.join(ctx.socket_dir, "data")
        argv = [
            exe,
            "--auth-none=1",
            "--www-frame-origin=same",
            "--www-verify-user-agent=0",
            f"--secure-cookie-key-file={os.path.join(ctx.socket_dir, 'secure-cookie-key')}",
            f"--server-user={getpass.getuser()}",
            "--server-daemonize=0",
        ]
        values = {
            "--www-root-path": ctx.url,
            "--server-data-dir": data_dir,
            "--database-config-file": os.path.join(ctx.socket_dir, "database.conf"),
            "--rsession-which-r": self.r_path or None,
            "--www-thread-pool-size": str(self.thread_pool_size),
            "--www-socket": ctx.socket_path,
        }
        for flag in OPTIONAL_FLAGS:
            value = values[flag]
            if flag in flags and value:
                argv.append(f"{flag}={value}")
        if "--www-socket" not in flags and port is not None:
            argv += ["--www-address=127.0.0.1", f"--www-port={port}"]
        return argv

    async def launch_plan(self, ctx: LaunchContext) -> LaunchPlan:
        """Check the key files, write the private config, then the command."""
        probe = await self.probe()
        if probe is None:
            raise BackendError("RStudio Server (rserver) is not installed")
        exe, _, flags = probe
        transport = self.transport(flags)
        if transport is None:
            raise BackendError(
                "this rserver cannot listen on a unix socket (no --www-socket)",
                hint="Upgrade RStudio Server to 2023.03 or later",
            )
        unreadable = unreadable_files()
        if unreadable:
            raise BackendError(
                "RStudio Server cannot read " + ", ".join(unreadable), hint=fix_hint(unreadable)
            )
        os.makedirs(os.path.join(ctx.socket_dir, "data"), mode=0o700, exist_ok=True)
        key = os.path.join(ctx.socket_dir, "secure-cookie-key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(secrets.token_hex(32))
        database = os.path.join(ctx.socket_dir, "database.conf")
        with open(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(f"provider=sqlite\ndirectory={os.path.join(ctx.socket_dir, 'data')}\n")
        env = {"RSTUDIO_DATA_HOME": os.path.join(ctx.socket_dir, "data"), **self.render_env(ctx)}
        if transport == "unix":
            return LaunchPlan(argv=self.command(ctx, exe, flags), env=env, cwd=ctx.root_dir)
        reserved = reserve_loopback_port()
        return LaunchPlan(
            argv=self.command(ctx, exe, flags, port=reserved.getsockname()[1]),
            env=env,
            cwd=ctx.root_dir,
            loopback_port=reserved,
        )


def rstudio_backends(parent: Configurable) -> list[Backend]:
    """The default RStudio tile, plus one per configured R version."""
    config = WorkbenchRStudio(parent=parent)
    backends: list[Backend] = [RStudioBackend(parent=parent)]
    for spec in config.versions:
        try:
            backends.append(
                RStudioBackend(
                    parent=parent,
                    name=spec["name"],
                    title=spec.get("title", spec["name"]),
                    r_path=spec.get("r_path", ""),
                )
            )
        except (KeyError, Exception) as err:  # a bad entry must not stop the server
            config.log.error("[workbench] ignoring RStudio version %r: %s", spec, err)
    return backends
