"""The built-in backends: desktop profiles, VS Code and RStudio."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Backend

if TYPE_CHECKING:
    from ..app import WorkbenchApp


def builtin_backends(app: WorkbenchApp) -> list[Backend]:
    """Instantiate the built-in backends, configured from ``app``'s config."""
    from .desktop import desktop_backends
    from .rstudio import rstudio_backends
    from .vscode import VSCodeBackend

    return [*desktop_backends(app), VSCodeBackend(parent=app), *rstudio_backends(app)]
