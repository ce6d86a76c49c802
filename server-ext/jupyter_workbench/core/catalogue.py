"""The backend catalogue: registration, supervised processes and cached detections."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator

from jupyter_server.utils import url_path_join

from .backend import Backend, Detection, LaunchContext
from .supervisor import ManagedProcess, Supervisor

#: Backend names that would shadow Jupyter's own routes.
RESERVED_NAMES = frozenset(
    {
        "api",
        "lab",
        "tree",
        "files",
        "static",
        "workbench",
        "nbconvert",
        "edit",
        "view",
        "notebooks",
        "terminals",
        "kernels",
        "login",
        "logout",
        "metrics",
        "server-proxy",
        "proxy",
    }
)


class Catalogue:
    """Every registered backend by name, with its managed process and its detection.

    Args:
        supervisor: Runs the backends' processes.
        log: Where refusals and detection failures are logged.
        socket_root: The private (0700) directory holding one directory per backend.
        base_url: Jupyter's base URL (backends are proxied at ``{base_url}<name>/``).
        root_dir: Jupyter's root directory.
        backoff_base: First automatic-restart delay in seconds.
        backoff_cap: Longest automatic-restart delay in seconds.
    """

    def __init__(
        self,
        supervisor: Supervisor,
        log: logging.Logger,
        *,
        socket_root: str,
        base_url: str,
        root_dir: str,
        backoff_base: float,
        backoff_cap: float,
    ) -> None:
        self.supervisor = supervisor
        self.log = log
        self.socket_root = socket_root
        self.base_url = base_url
        self.root_dir = os.path.abspath(os.path.expanduser(root_dir))
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._backends: dict[str, Backend] = {}
        self._detections: dict[str, Detection] = {}
        self._detect_task: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ registration
    def register(self, backend: Backend) -> None:
        """Add ``backend`` (a later one of the same name wins) and hand it to the supervisor."""
        if backend.name in RESERVED_NAMES:
            self.log.error("[workbench] backend name %r is reserved; ignored", backend.name)
            return
        if backend.name in self._backends:
            self.log.warning(
                "[workbench] backend %r defined twice; the later one wins", backend.name
            )
        socket_dir = os.path.join(self.socket_root, backend.name)
        ctx = LaunchContext(
            name=backend.name,
            socket_path=os.path.join(socket_dir, "sock"),
            socket_dir=socket_dir,
            base_url=self.base_url,
            url=url_path_join(self.base_url, backend.url_path) + "/",
            root_dir=self.root_dir,
        )
        self._backends[backend.name] = backend
        self.supervisor.add(
            backend,
            ctx,
            backoff_base=self.backoff_base,
            backoff_cap=self.backoff_cap,
        )

    def __getitem__(self, name: str) -> Backend:
        return self._backends[name]

    def __contains__(self, name: object) -> bool:
        return name in self._backends

    def __iter__(self) -> Iterator[str]:
        return iter(self._backends)

    def __len__(self) -> int:
        return len(self._backends)

    def items(self) -> list[tuple[str, Backend]]:
        """``(name, backend)`` pairs in registration order."""
        return list(self._backends.items())

    def managed(self, name: str) -> ManagedProcess | None:
        """The supervised process of backend ``name``, if there is such a backend."""
        return self.supervisor.get(name)

    # ------------------------------------------------------------------ detection
    async def detections(self, refresh: bool = False) -> dict[str, Detection]:
        """Detect every backend once (concurrently) and cache the result."""
        if refresh or self._detect_task is None:
            self._detect_task = asyncio.ensure_future(self._detect_all())
        await asyncio.shield(self._detect_task)
        return self._detections

    async def detection(self, name: str) -> Detection:
        """The cached detection of backend ``name``."""
        detections = await self.detections()
        return detections[name]

    async def _detect_all(self) -> None:
        names = list(self._backends)
        results = await asyncio.gather(
            *(self._backends[name].detect() for name in names), return_exceptions=True
        )
        for name, result in zip(names, results):
            if isinstance(result, BaseException):
                self.log.error("[workbench] detection of %s failed: %s", name, result)
                result = Detection(available=False, reason=f"detection failed: {result}")
            self._detections[name] = result
