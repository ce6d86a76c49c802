"""Jupyter Workbench: remote desktops, web IDEs and GPU status for JupyterLab.

Importing this package does no work: the server extension is loaded through
:func:`_jupyter_server_extension_points` and everything heavy happens when the
extension starts.
"""

from typing import Any  # Any: Jupyter's extension-point dicts mix classes and strings

from ._version import __version__

__all__ = ["__version__"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Tell Jupyter Server which extension app this package provides."""
    from .app import WorkbenchApp

    return [{"module": "jupyter_workbench.app", "app": WorkbenchApp}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """List the prebuilt labextensions that ship inside the wheel."""
    names = ["launcher", "desktop", "gpu"]
    return [
        {"src": f"labextensions/@jupyter-workbench/{name}", "dest": f"@jupyter-workbench/{name}"}
        for name in names
    ]
