"""VS Code in the browser: code-server or openvscode-server on a unix socket."""

from __future__ import annotations

from traitlets import Unicode, default

from ..readiness import ReadinessProbe
from .base import Backend, Detection, LaunchContext, LaunchPlan, find_executable, program_version


class VSCodeBackend(Backend):
    """code-server (``--socket``, ``--socket-mode 0600``), proxied at ``{base_url}vscode/``."""

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
        return "VS Code (code-server) on this session's files"

    executable = Unicode("", help="Path of code-server; empty = look on PATH.").tag(config=True)

    def readiness(self) -> ReadinessProbe:
        return ReadinessProbe(kind="http", path="/healthz", accept_status=(200,), timeout=self.timeout)

    async def detect(self) -> Detection:
        exe = self.executable or find_executable(["code-server", "openvscode-server"])
        if not exe:
            return Detection(
                available=False,
                reason="code-server is not installed",
                install_hint="Install code-server (npm install -g code-server, or its .deb)",
            )
        output = await program_version([exe, "--version"])
        version = output.splitlines()[0] if output else None
        return Detection(available=True, version=version, executable=exe)

    async def launch_plan(self, ctx: LaunchContext) -> LaunchPlan:
        detection = await self.detect()
        argv = [
            detection.executable or "code-server",
            "--auth", "none",
            "--socket", ctx.socket_path,
            "--socket-mode", "0600",
            "--disable-telemetry",
            ctx.root_dir,
        ]
        return LaunchPlan(argv=argv, env=self.render_env(ctx), cwd=ctx.root_dir)
