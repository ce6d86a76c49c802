"""KubeSpawner / Zero-to-JupyterHub recipes for GPU desktops.

Submodules (import what you need; nothing here imports KubeSpawner, PyYAML or jsonschema at
import time):

- :mod:`.catalogue`: load and validate the admin's GPU desktop catalogue (YAML/JSON).
- :mod:`.profiles`: ``profile_list`` with ``profile_options`` for KubeSpawner.
- :mod:`.sidecar`: the Xorg sidecar container, the shared X socket volume, the env.
- the headless NVIDIA Xorg config of the sidecar is :mod:`jupyter_workbench.core.xorgconf`
  (shared with the desktop's ``xorg`` mode).
- :mod:`.values`: Zero-to-JupyterHub values / ``hub.extraConfig`` Python.
- :mod:`.cli`: ``jupyter workbench kube …``.
"""

from __future__ import annotations

from typing import Any  # Any: catalogues and profiles are JSON-like dicts

__all__ = ["build_profile_list", "load_catalogue", "profile_list_from_file"]


def load_catalogue(path: str) -> dict[str, Any]:
    """See :func:`jupyter_workbench.kubespawner.catalogue.load_catalogue`."""
    from .catalogue import load_catalogue as load

    return load(path)


def build_profile_list(catalogue: dict[str, Any]) -> list[dict[str, Any]]:
    """See :func:`jupyter_workbench.kubespawner.profiles.build_profile_list`."""
    from .profiles import build_profile_list as build

    return build(catalogue)


def profile_list_from_file(path: str) -> list[dict[str, Any]]:
    """``c.KubeSpawner.profile_list = profile_list_from_file("/etc/workbench/catalogue.yaml")``."""
    return build_profile_list(load_catalogue(path))
