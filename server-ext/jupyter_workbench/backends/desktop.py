"""Remote desktop backends (one per desktop profile): Xvnc + a session, viewed with noVNC.

Placeholder from the foundation: the desktop feature replaces this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from traitlets import default

from ..readiness import ReadinessProbe
from .base import Backend, Detection, LaunchContext, LaunchPlan, find_executable

if TYPE_CHECKING:
    from ..app import WorkbenchApp


class DesktopBackend(Backend):
    """A TigerVNC ``Xvnc`` desktop on a unix socket, proxied as a raw WebSocket stream."""

    kind = "desktop"

    @default("name")
    def _default_name(self) -> str:
        return "desktop"

    @default("title")
    def _default_title(self) -> str:
        return "Desktop"

    @default("icon")
    def _default_icon(self) -> str:
        return "desktop"

    @property
    def raw_socket(self) -> bool:
        return True

    def readiness(self) -> ReadinessProbe:
        return ReadinessProbe(kind="rfb", timeout=self.timeout)

    async def detect(self) -> Detection:
        exe = find_executable(["Xvnc"])
        if not exe:
            return Detection(
                available=False,
                reason="No VNC server (Xvnc) is installed",
                install_hint="Install TigerVNC (apt install tigervnc-standalone-server)",
            )
        return Detection(available=True, executable=exe)

    async def launch_plan(self, ctx: LaunchContext) -> LaunchPlan:
        argv = [
            "Xvnc", "-rfbunixpath", ctx.socket_path, "-rfbunixmode", "0600",
            "-rfbport", "-1", "-SecurityTypes", "None", "-geometry", "1280x800",
        ]
        return LaunchPlan(argv=argv, env=self.render_env(ctx))


def desktop_backends(app: WorkbenchApp) -> list[Backend]:
    """One backend per configured desktop profile."""
    return [DesktopBackend(parent=app)]
