"""Admin-defined backends as the app sees them: one :class:`CommandBackend` per entry."""

from __future__ import annotations

import logging
from typing import Any  # Any: the entries are JSON-like config (checked by from_config)

from traitlets.config import Configurable

from ..core.backend import Backend
from ..core.handlers import HandlerSpec
from .backend import CommandBackend


class CustomFeature:
    """The backends of ``c.WorkbenchApp.backends`` (bad entries are logged and skipped).

    Args:
        parent: The configurable whose config applies (the extension app).
        specs: ``c.WorkbenchApp.backends``: name → entry.
        log: Where bad entries are reported.
    """

    def __init__(self, parent: Configurable, specs: dict[str, Any], log: logging.Logger) -> None:
        self._parent = parent
        self.specs = specs
        self.log = log

    def backends(self) -> list[Backend]:
        """One backend per valid, enabled entry."""
        found: list[Backend] = []
        for name, spec in self.specs.items():
            try:
                backend = CommandBackend.from_config(name, spec, parent=self._parent)
            except Exception as err:  # config errors must not take the server down
                self.log.error("[workbench] ignoring backend %r: %s", name, err)
                continue
            if backend.enabled:
                found.append(backend)
        return found

    def handlers(self) -> list[HandlerSpec]:
        """Custom backends are proxied; they have no routes of their own."""
        return []

    async def teardown(self) -> None:
        """Nothing to release: the supervisor stops the backends."""
