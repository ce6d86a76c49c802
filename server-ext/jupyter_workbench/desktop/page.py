"""A desktop in a browser tab of its own, for Jupyter Notebook 7.

Notebook 7's pages show one document each and have no dock, so a desktop opened from its
"New" menu gets a page of its own: ``GET {base_url}workbench/desktops/{name}/view``
serves Notebook's application (same bundle, same page config) with
``notebookPage: "workbench-desktop"`` and ``workbenchDesktop: {name}``; the desktop
plugin sees these and shows the viewer in the page's main area.

The page needs Notebook 7 (``notebook`` installed and enabled); without it the route
answers 404 with a JSON error.
"""

from __future__ import annotations

import re
from typing import Any  # Any: page config values are heterogeneous JSON

from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from ..core.catalogue import Catalogue
from ..core.handlers import HandlerSpec
from .backend import DesktopBackend

#: The page: Notebook's application bundle with our page config.
PAGE = """<!doctype html><html><head><meta charset="utf-8"/>\
<meta name="viewport" content="width=device-width,initial-scale=1"/>\
<title>{{ title | e }}</title>\
<link rel="icon" type="image/x-icon" class="favicon" \
href="{{ base_url | escape }}static/favicons/favicon.ico"/>\
<script defer="defer" src="{{ page_config.fullStaticUrl }}/{{ bundle }}"></script></head>\
<body class="jp-ThemedContainer">\
<script id="jupyter-config-data" type="application/json">{{ page_config | tojson }}</script>\
</body></html>"""
#: Notebook's main bundle in its own templates (the name carries a content hash).
_BUNDLE = re.compile(r"main\.[0-9a-f]+\.js(?:\?v=[0-9a-f]+)?")


def notebook_bundle(template_source: str) -> str | None:
    """The file name of Notebook's main bundle, read from one of its page templates."""
    match = _BUNDLE.search(template_source)
    return match.group(0) if match else None


def desktop_page_handlers(catalogue: Catalogue) -> list[HandlerSpec]:
    """``desktops/{name}/view`` when Notebook 7 is installed, else nothing."""
    try:
        from notebook.app import NotebookBaseHandler
    except ImportError:
        return []

    class DesktopPageHandler(NotebookBaseHandler):
        """``GET desktops/{name}/view``: Notebook 7's page showing desktop ``name``."""

        def initialize(self, name: str = "notebook", **kwargs: Any) -> None:
            # Notebook's handler methods read Notebook's extension settings ("notebook").
            super().initialize(name="notebook")
            self.catalogue: Catalogue = kwargs["catalogue"]

        @web.authenticated
        async def get(self, desktop: str) -> None:
            backend = self.catalogue[desktop] if desktop in self.catalogue else None
            if not isinstance(backend, DesktopBackend):
                raise web.HTTPError(404, f"No desktop named {desktop!r}")
            env = self.settings.get("notebook_jinja2_env")
            if env is None:
                raise web.HTTPError(404, "Jupyter Notebook 7 is not enabled on this server")
            try:
                source = env.loader.get_source(env, "tree.html")[0]
            except Exception:  # jinja2's TemplateNotFound, or a loader without the template
                source = ""
            bundle = notebook_bundle(source)
            if bundle is None:  # a Notebook release laid out differently: not the user's fault
                raise web.HTTPError(
                    503,
                    "Jupyter Notebook's application bundle was not found in its tree.html "
                    "template; open the desktop from JupyterLab instead",
                )
            page_config = self.get_page_config()
            page_config.update(
                baseUrl=self.base_url,
                wsUrl=self.ws_url,
                notebookPage="workbench-desktop",
                workbenchDesktop=desktop,
            )
            html = env.from_string(PAGE).render(
                page_config=page_config,
                bundle=bundle,
                title=backend.title or desktop,
                base_url=self.base_url,
            )
            self.write(html)

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            JupyterHandler.write_error(self, status_code, **kwargs)

    return [(r"desktops/(?P<desktop>[^/]+)/view", DesktopPageHandler, {"catalogue": catalogue})]
