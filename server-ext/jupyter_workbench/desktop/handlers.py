"""The desktop feature's REST routes.

``GET {base_url}workbench/api/desktops``
    Every desktop profile: name, title, state, display, rendering mode, renderer summary.
``GET {base_url}workbench/api/desktops/{name}/renderer[?refresh=1]``
    The renderer report of a running desktop, from ``glxinfo -B`` run on its display
    (through vglrun in GPU modes): renderer, vendor, accelerated, mode, and why each
    better mode was rejected. 404 for an unknown desktop, 409 when it is not running.
``GET {base_url}workbench/api/desktops/{name}/windows``
    The application windows open on a running desktop (count and titles), so the UI can
    ask before a Stop closes them. 404 for an unknown desktop, 409 when it is not running.
``GET {base_url}workbench/desktops/{name}/view``
    Jupyter Notebook 7's page of a desktop (see :mod:`.page`).

:func:`desktop_renderer` gives the report of a desktop (or of the first running one) to
:class:`~jupyter_workbench.desktop.plugin.DesktopFeature`, which hands it to the GPU
panel's OpenGL check.
"""

from __future__ import annotations

from typing import Any  # Any: report values are heterogeneous

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..core.catalogue import Catalogue
from ..core.handlers import HandlerSpec, WorkbenchAPIHandler
from ..core.openapi import Operation
from ..core.supervisor import State
from .backend import DesktopBackend
from .page import desktop_page_handlers
from .windows import MAX_TITLES, list_windows


def desktops(catalogue: Catalogue) -> dict[str, DesktopBackend]:
    """The desktop backends of the catalogue, by name."""
    return {name: b for name, b in catalogue.items() if isinstance(b, DesktopBackend)}


def running(catalogue: Catalogue, name: str) -> bool:
    """Whether desktop ``name`` is running."""
    managed = catalogue.managed(name)
    return managed is not None and managed.state == State.RUNNING


async def desktop_renderer(
    catalogue: Catalogue, name: str | None = None, refresh: bool = False
) -> dict[str, Any] | None:
    """The renderer report of desktop ``name`` (default: the first running one)."""
    found = desktops(catalogue)
    names = [name] if name else list(found)
    for candidate in names:
        backend = found.get(candidate)
        if backend is not None and running(catalogue, candidate):
            return await backend.renderer_report(refresh=refresh)
    return None


class _DesktopHandler(WorkbenchAPIHandler):
    """Bound to the backend catalogue (the desktops are the catalogue's desktop backends)."""

    def initialize(self, catalogue: Catalogue) -> None:
        """Receive the catalogue from the URL spec."""
        self.catalogue = catalogue


class DesktopListHandler(_DesktopHandler):
    """``GET desktops``: the desktop profiles and their runtime facts."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        entries = []
        for name, backend in desktops(self.catalogue).items():
            managed = self.catalogue.managed(name)
            info = backend.extra_info()
            entries.append(
                {
                    "name": name,
                    "title": backend.title or name,
                    "state": managed.state.value if managed else "stopped",
                    "geometry": backend.geometry,
                    "gpu_policy": backend.gpu_policy,
                    "display": info["display"],
                    "rendering_mode": info["rendering_mode"],
                    "renderer_summary": info["renderer_summary"],
                }
            )
        self.write_json({"desktops": entries})


class RendererHandler(_DesktopHandler):
    """``GET desktops/{name}/renderer``: which OpenGL renderer the desktop really uses."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        refresh = self.get_query_argument("refresh", "0")
        if refresh not in {"0", "1", "true", "false"}:
            raise web.HTTPError(400, "refresh must be 0 or 1")
        backend = desktops(self.catalogue).get(name)
        if backend is None:
            raise web.HTTPError(404, f"No desktop named {name!r}")
        if not running(self.catalogue, name):
            raise web.HTTPError(
                409, f"Desktop {name!r} is not running; start it to check its renderer"
            )
        report = await backend.renderer_report(refresh=refresh in {"1", "true"})
        if report is None:
            raise web.HTTPError(409, f"Desktop {name!r} has no display yet; try again")
        self.write_json(report)


class WindowsHandler(_DesktopHandler):
    """``GET desktops/{name}/windows``: the application windows open on the desktop."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        backend = desktops(self.catalogue).get(name)
        if backend is None:
            raise web.HTTPError(404, f"No desktop named {name!r}")
        state = backend.session_state() if running(self.catalogue, name) else None
        if not state or not state.get("display"):
            raise web.HTTPError(409, f"Desktop {name!r} is not running")
        titles = await list_windows(str(state["display"]), state.get("xauthority"))
        self.write_json(
            {
                "name": name,
                "count": None if titles is None else len(titles),
                "titles": (titles or [])[:MAX_TITLES],
            }
        )


def desktop_handlers(catalogue: Catalogue) -> list[HandlerSpec]:
    """The desktop routes, relative to ``{base_url}workbench/``."""
    kwargs = {"catalogue": catalogue}
    return [
        (r"api/desktops", DesktopListHandler, kwargs),
        (r"api/desktops/(?P<name>[^/]+)/renderer", RendererHandler, kwargs),
        (r"api/desktops/(?P<name>[^/]+)/windows", WindowsHandler, kwargs),
        *desktop_page_handlers(catalogue),
    ]


#: The routes above (under ``{base_url}workbench/``), for the OpenAPI document.
OPERATIONS = [
    Operation("GET", "workbench/api/desktops", "Every desktop profile", "desktop-list", errors=()),
    Operation(
        "GET",
        "workbench/api/desktops/{name}/renderer",
        "Which OpenGL renderer a running desktop really uses",
        "renderer-report",
        errors=(400, 404, 409),
        query={"refresh": {"type": "string", "enum": ["0", "1", "true", "false"]}},
    ),
    Operation(
        "GET",
        "workbench/api/desktops/{name}/windows",
        "The application windows open on a running desktop",
        "desktop-windows",
        errors=(404, 409),
    ),
]
