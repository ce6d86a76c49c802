"""Rewrite ``Location`` headers that would lead the browser out of the proxy.

RStudio answers with redirects such as ``http://localhost:8787/auth-sign-in`` (its own
idea of host and port). jupyter-server-proxy (4.6+) already prefixes root-relative
``Location`` paths (``/auth-sign-in`` → ``{base_url}rstudio/auth-sign-in``) but leaves
absolute URLs alone, so a backend's absolute *local* URL is turned into a root-relative
path here, and the proxy then adds the prefix: the browser stays inside the session.
"""

from __future__ import annotations

from typing import Any, Callable  # Any: jupyter-server-proxy's response object is untyped
from urllib.parse import urlsplit, urlunsplit

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def rewrite_location(location: str) -> str:
    """The ``Location`` to hand to jupyter-server-proxy (which adds the proxy prefix)."""
    parts = urlsplit(location)
    if parts.scheme and parts.hostname in LOCAL_HOSTS:
        return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return location  # root-relative, relative, or a real external site


def location_rewriter() -> Callable[[Any], None]:
    """A jupyter-server-proxy ``rewrite_response`` function."""

    def rewrite(response: Any) -> None:
        location = response.headers.get("Location")
        if location:
            response.headers["Location"] = rewrite_location(location)

    return rewrite
