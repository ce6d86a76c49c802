"""What a feature offers the app: backends, handlers and a teardown.

:mod:`jupyter_workbench.app` creates each feature (``desktop``, ``ides``, ``gpu``,
``custom``) explicitly, registers its backends in the catalogue and its handlers under
``{base_url}workbench/``, and awaits its teardown when the server stops. Cross-feature
needs are typed callables or protocols handed over by the app, never imports between
features.
"""

from __future__ import annotations

from typing import Protocol

from .backend import Backend
from .handlers import HandlerSpec


class Feature(Protocol):
    """The interface of a feature (a structural type: features do not subclass it)."""

    def backends(self) -> list[Backend]:
        """The feature's backends, to register in the catalogue (may be empty)."""
        ...

    def handlers(self) -> list[HandlerSpec]:
        """URL specs relative to ``{base_url}workbench/``."""
        ...

    async def teardown(self) -> None:
        """Release what the feature started (threads, processes, sockets)."""
        ...
