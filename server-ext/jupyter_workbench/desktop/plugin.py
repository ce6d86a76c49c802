"""The desktop feature as the app sees it: its backends, routes and renderer reports."""

from __future__ import annotations

from typing import Any  # Any: report values are heterogeneous

from traitlets.config import Configurable

from ..core.backend import Backend
from ..core.catalogue import Catalogue
from ..core.handlers import HandlerSpec
from .backend import WorkbenchDesktop, desktop_backends
from .handlers import desktop_handlers, desktop_renderer
from .probe import throwaway_glxinfo
from .xorg import XorgServer


class DesktopFeature:
    """One desktop backend per profile of ``c.WorkbenchDesktop``, and the desktop routes.

    Args:
        parent: The configurable whose config applies (the extension app).
        catalogue: Where the backends are registered (for cached detections and state).
    """

    def __init__(self, parent: Configurable, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.settings = WorkbenchDesktop(parent=parent)
        self._parent = parent
        #: The ``xorg`` mode's 3D X server, shared by every desktop (started on first use).
        self.xorg = XorgServer(
            catalogue.supervisor,
            catalogue.socket_root,
            self.settings.xorg_options(),
            backoff_base=catalogue.backoff_base,
            backoff_cap=catalogue.backoff_cap,
        )

    def backends(self) -> list[Backend]:
        """One backend per configured desktop profile."""
        return list(
            desktop_backends(self.settings, self._parent, self.catalogue.detection, self.xorg)
        )

    def handlers(self) -> list[HandlerSpec]:
        """``api/desktops`` and ``api/desktops/{name}/renderer``."""
        return desktop_handlers(self.catalogue)

    async def running_renderer(self, name: str | None = None) -> dict[str, Any] | None:
        """The renderer report of desktop ``name`` (default: the first running one)."""
        return await desktop_renderer(self.catalogue, name)

    async def throwaway_renderer(self, timeout: float = 20.0) -> dict[str, Any]:
        """The renderer of a throwaway Xvnc (when no desktop runs)."""
        return await throwaway_glxinfo(timeout)

    async def teardown(self) -> None:
        """Nothing to release: the supervisor stops the desktops."""
