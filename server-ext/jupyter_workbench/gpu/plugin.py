"""The GPU feature as the app sees it: one shared sampler and its routes."""

from __future__ import annotations

from jupyter_client.multikernelmanager import MultiKernelManager
from traitlets.config import Configurable

from ..core.backend import Backend
from ..core.handlers import HandlerSpec
from .checks import Renderers
from .handlers import gpu_handlers
from .monitor import GPUMonitor


class GPUFeature:
    """The GPU panel's server side: a :class:`GPUMonitor` (idle until a client asks).

    Args:
        parent: The configurable whose config applies (``c.GPUMonitor``).
        renderers: Where the OpenGL check finds renderer reports (the desktop feature).
        kernel_manager: This server's kernels, to label the GPU processes they own.
    """

    def __init__(
        self,
        parent: Configurable,
        renderers: Renderers,
        kernel_manager: MultiKernelManager | None = None,
    ) -> None:
        self.renderers = renderers
        self.kernel_manager = kernel_manager
        self.monitor = GPUMonitor(parent=parent, kernel_pids=self.kernel_pids)

    def kernel_pids(self) -> dict[int, dict[str, str]]:
        """PID → ``{"id", "name"}`` of every running kernel."""
        out: dict[int, dict[str, str]] = {}
        km = self.kernel_manager
        if km is None:
            return out
        for kernel_id in list(km.list_kernel_ids()):
            try:
                kernel = km.get_kernel(kernel_id)
                pid = kernel.provisioner.process.pid  # type: ignore[union-attr]
            except Exception:
                continue
            out[pid] = {"id": kernel_id, "name": getattr(kernel, "kernel_name", "")}
        return out

    def backends(self) -> list[Backend]:
        """The GPU feature runs no backend."""
        return []

    def handlers(self) -> list[HandlerSpec]:
        """``api/gpu/…`` and ``metrics``."""
        return gpu_handlers(self.monitor, self.renderers)

    async def teardown(self) -> None:
        """Stop the sampler thread."""
        self.monitor.stop()
