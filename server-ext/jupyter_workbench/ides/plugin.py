"""The web IDEs feature as the app sees it: VS Code and RStudio backends."""

from __future__ import annotations

from traitlets.config import Configurable

from ..core.backend import Backend
from ..core.handlers import HandlerSpec
from .rstudio import rstudio_backends
from .vscode import VSCodeBackend


class IDEsFeature:
    """VS Code (code-server or openvscode-server) and RStudio Server, proxied.

    Args:
        parent: The configurable whose config applies (``c.VSCodeBackend``,
            ``c.RStudioBackend``, ``c.WorkbenchRStudio``).
    """

    def __init__(self, parent: Configurable) -> None:
        self._parent = parent

    def backends(self) -> list[Backend]:
        """VS Code, then RStudio (plus one tile per configured R version)."""
        return [VSCodeBackend(parent=self._parent), *rstudio_backends(self._parent)]

    def handlers(self) -> list[HandlerSpec]:
        """The IDEs have no routes of their own (they are proxied)."""
        return []

    async def teardown(self) -> None:
        """Nothing to release: the supervisor stops the IDEs."""
