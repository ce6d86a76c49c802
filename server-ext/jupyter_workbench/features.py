"""Optional feature modules that plug their handlers into the Workbench app.

A feature module exposes::

    def setup(app) -> list[tuple[str, type, dict]]:
        '''Return handlers; paths are relative to ``{base_url}workbench/``.'''

    async def teardown(app) -> None:          # optional
        '''Release what setup started (threads, processes, sockets).'''

Feature modules own their own :class:`traitlets.config.Configurable` classes
(created with ``parent=app`` so ``c.<ClassName>.<trait>`` config applies).
Nothing is imported until the extension starts.
"""

from __future__ import annotations

#: Import paths of the feature modules, loaded in this order when the extension starts.
FEATURE_MODULES: tuple[str, ...] = (
    "jupyter_workbench.desktop.feature",
    "jupyter_workbench.gpu.feature",
)
