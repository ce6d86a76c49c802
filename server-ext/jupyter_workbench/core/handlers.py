"""Base classes every Workbench handler builds on.

Every route requires Jupyter's authentication and authorization (resource
``workbench``); errors are answered as JSON ``{"error": {"status", "message"}}``
with a 4xx status for bad input, never a bare 500 page.

Handlers receive their collaborators (the catalogue, the GPU monitor, …) as typed keyword
arguments of ``initialize()``, given in the handler's URL spec by the feature that
registers it, not through the extension app.
"""

from __future__ import annotations

import json
from typing import Any  # Any: JSON values and tornado's error kwargs are heterogeneous

from jupyter_server.base.handlers import APIHandler
from tornado import web

#: The authorization resource name used by all Workbench handlers.
AUTH_RESOURCE = "workbench"


#: A tornado URL spec: (pattern, handler class, ``initialize()`` keyword arguments).
HandlerSpec = tuple[str, type, dict[str, Any]]


class WorkbenchAPIHandler(APIHandler):
    """JSON API handler of the Workbench.

    Subclasses decorate their verbs with ``@web.authenticated`` and
    ``@authorized`` (from :mod:`jupyter_server.auth.decorator`).
    """

    auth_resource = AUTH_RESOURCE

    def get_json_body_or_400(self, *, required: bool = False) -> dict[str, Any]:
        """Parse the request body as a JSON object, answering 400 when it is not one."""
        raw = self.request.body or b""
        if not raw.strip():
            if required:
                raise web.HTTPError(400, "A JSON object body is required")
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as err:
            raise web.HTTPError(400, f"Request body is not valid JSON: {err}") from err
        if not isinstance(body, dict):
            raise web.HTTPError(400, "Request body must be a JSON object")
        return body

    def write_json(self, data: Any, status: int = 200) -> None:
        """Send ``data`` as a JSON response with ``status``."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Answer every error as JSON with a clear message."""
        message = self._reason
        exc_info = kwargs.get("exc_info")
        if exc_info:
            exc = exc_info[1]
            if isinstance(exc, web.HTTPError) and exc.log_message:
                message = exc.log_message % exc.args if exc.args else exc.log_message
            elif status_code >= 500:
                message = "Internal error in Jupyter Workbench; see the server log"
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"status": status_code, "message": message}}))
