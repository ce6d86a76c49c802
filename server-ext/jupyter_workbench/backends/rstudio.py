"""RStudio Server (``rserver``) on a unix socket."""

from __future__ import annotations

from traitlets import default

from .base import Backend, Detection, LaunchContext, LaunchPlan, find_executable


class RStudioBackend(Backend):
    """RStudio Server, proxied at ``{base_url}rstudio/``."""

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

    async def detect(self) -> Detection:
        exe = find_executable(["rserver"], path=None) or find_executable(
            ["/usr/lib/rstudio-server/bin/rserver"]
        )
        if not exe:
            return Detection(
                available=False,
                reason="RStudio Server (rserver) is not installed",
                install_hint="Install R and RStudio Server (the rstudio-server .deb from Posit)",
            )
        return Detection(available=True, executable=exe)

    async def launch_plan(self, ctx: LaunchContext) -> LaunchPlan:
        detection = await self.detect()
        argv = [
            detection.executable or "rserver",
            "--auth-none=1",
            "--server-daemonize=0",
            f"--www-socket={ctx.socket_path}",
            f"--www-root-path={ctx.url}",
        ]
        return LaunchPlan(argv=argv, env=self.render_env(ctx), cwd=ctx.root_dir)
