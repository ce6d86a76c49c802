"""The desktop feature's REST routes and cross-feature hook.

``GET {base_url}workbench/api/desktops``
    Every desktop profile: name, title, state, display, rendering mode, renderer summary.
``GET {base_url}workbench/api/desktops/{name}/renderer[?refresh=1]``
    The renderer report of a running desktop, from ``glxinfo -B`` run on its display
    (through vglrun in GPU modes): renderer, vendor, accelerated, mode, and why each
    better mode was rejected. 404 for an unknown desktop, 409 when it is not running.

Hook: ``app.hooks["desktop_renderer"](name=None)`` → the report of desktop ``name`` (or
of the first running desktop), ``None`` when none is running. The GPU panel's OpenGL
check uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..backends.desktop import DesktopBackend
from ..handlers.base import WorkbenchAPIHandler
from ..supervisor import State

if TYPE_CHECKING:
    from ..app import WorkbenchApp


def desktops(app: WorkbenchApp) -> dict[str, DesktopBackend]:
    """The desktop backends of the catalogue, by name."""
    return {name: b for name, b in app.catalogue.items() if isinstance(b, DesktopBackend)}


def running(app: WorkbenchApp, name: str) -> bool:
    """Whether desktop ``name`` is running."""
    managed = app.supervisor.get(name)
    return managed is not None and managed.state == State.RUNNING


async def desktop_renderer(
    app: WorkbenchApp, name: str | None = None, refresh: bool = False
) -> dict[str, Any] | None:
    """The renderer report of desktop ``name`` (default: the first running one)."""
    found = desktops(app)
    names = [name] if name else list(found)
    for candidate in names:
        backend = found.get(candidate)
        if backend is not None and running(app, candidate):
            return await backend.renderer_report(refresh=refresh)
    return None


class DesktopListHandler(WorkbenchAPIHandler):
    """``GET desktops``: the desktop profiles and their runtime facts."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        entries = []
        for name, backend in desktops(self.workbench).items():
            managed = self.workbench.supervisor.get(name)
            info = backend.extra_info()
            entries.append(
                {
                    "name": name,
                    "title": backend.title or name,
                    "state": managed.state.value,
                    "geometry": backend.geometry,
                    "gpu_policy": backend.gpu_policy,
                    "display": info["display"],
                    "rendering_mode": info["rendering_mode"],
                    "renderer_summary": info["renderer_summary"],
                }
            )
        self.write_json({"desktops": entries})


class RendererHandler(WorkbenchAPIHandler):
    """``GET desktops/{name}/renderer``: which OpenGL renderer the desktop really uses."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        refresh = self.get_query_argument("refresh", "0")
        if refresh not in {"0", "1", "true", "false"}:
            raise web.HTTPError(400, "refresh must be 0 or 1")
        backend = desktops(self.workbench).get(name)
        if backend is None:
            raise web.HTTPError(404, f"No desktop named {name!r}")
        if not running(self.workbench, name):
            raise web.HTTPError(
                409, f"Desktop {name!r} is not running; start it to check its renderer"
            )
        report = await backend.renderer_report(refresh=refresh in {"1", "true"})
        if report is None:
            raise web.HTTPError(409, f"Desktop {name!r} has no display yet; try again")
        self.write_json(report)


def setup(app: WorkbenchApp) -> list[tuple[str, type, dict[str, Any]]]:
    """Register the hook and return the handlers (relative to ``{base_url}workbench/``)."""

    async def hook(name: str | None = None) -> dict[str, Any] | None:
        return await desktop_renderer(app, name)

    app.hooks["desktop_renderer"] = hook
    return [
        (r"api/desktops", DesktopListHandler, {}),
        (r"api/desktops/(?P<name>[^/]+)/renderer", RendererHandler, {}),
    ]
