"""The GPU catalogue: what the spawn form offers, declared by the admin in YAML or JSON.

Example (see deploy/catalogue.example.yaml)::

    sidecar_image: ghcr.io/example/workbench-xorg-sidecar:0.1.0
    images:
      - {slug: desktop, display_name: "Desktop + Python", image: "…/singleuser:0.1", default: true}
    sizes:
      - {slug: small, display_name: "4 CPU · 16 GiB", cpu: 4, memory: 16G, default: true}
    gpus:
      - slug: a10-4q
        display_name: "NVIDIA A10 · vGPU 4 GB (workstation)"
        resource: nvidia.com/gpu            # or nvidia.com/gpu.shared, nvidia.com/mig-1g.10gb
        count: 1
        node_selector: {nvidia.com/vgpu.present: "true"}
        framebuffer_mib: 4096
        rendering: sidecar                  # egl | sidecar | software
"""

from __future__ import annotations

import json
import re
from typing import Any

RENDERING_MODES = ("egl", "sidecar", "software")
_SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_RESOURCE = re.compile(r"^nvidia\.com/(gpu|gpu\.shared|mig-\d+g\.\d+gb(\.[a-z0-9+]+)?)$")
_MEMORY = re.compile(r"^\d+(\.\d+)?([KMGT]i?)?$")


class CatalogueError(ValueError):
    """The catalogue is invalid; the message says where and why."""


def _require(entry: dict[str, Any], key: str, where: str) -> Any:
    if key not in entry or entry[key] in (None, ""):
        raise CatalogueError(f"{where}: '{key}' is required")
    return entry[key]


def _slug(entry: dict[str, Any], where: str, seen: set[str]) -> str:
    slug = str(_require(entry, "slug", where))
    if not _SLUG.match(slug):
        raise CatalogueError(f"{where}: slug {slug!r} must be lower-case letters, digits, '-'")
    if slug in seen:
        raise CatalogueError(f"{where}: slug {slug!r} is used twice")
    seen.add(slug)
    return slug


def validate(data: Any) -> dict[str, Any]:
    """Check a parsed catalogue and fill defaults; raise :class:`CatalogueError`."""
    if not isinstance(data, dict):
        raise CatalogueError("the catalogue must be a mapping")
    out: dict[str, Any] = {
        "sidecar_image": data.get("sidecar_image"),
        "images": [],
        "sizes": [],
        "gpus": [],
    }
    for key in ("images", "sizes", "gpus"):
        if not isinstance(data.get(key, []), list):
            raise CatalogueError(f"'{key}' must be a list")
    seen: set[str] = set()
    for i, image in enumerate(data.get("images", [])):
        where = f"images[{i}]"
        out["images"].append(
            {
                "slug": _slug(image, where, seen),
                "display_name": str(_require(image, "display_name", where)),
                "image": str(_require(image, "image", where)),
                "default": bool(image.get("default", False)),
            }
        )
    seen = set()
    for i, size in enumerate(data.get("sizes", [])):
        where = f"sizes[{i}]"
        memory = str(_require(size, "memory", where))
        if not _MEMORY.match(memory):
            raise CatalogueError(f"{where}: memory {memory!r} is not a size like 16G")
        cpu = float(_require(size, "cpu", where))
        if cpu <= 0:
            raise CatalogueError(f"{where}: cpu must be positive")
        out["sizes"].append(
            {
                "slug": _slug(size, where, seen),
                "display_name": str(_require(size, "display_name", where)),
                "cpu": cpu,
                "memory": memory,
                "default": bool(size.get("default", False)),
            }
        )
    seen = set()
    if not data.get("gpus"):
        raise CatalogueError("'gpus' must list at least one choice")
    for i, gpu in enumerate(data["gpus"]):
        where = f"gpus[{i}]"
        resource = gpu.get("resource")
        if resource is not None and not _RESOURCE.match(str(resource)):
            raise CatalogueError(
                f"{where}: resource {resource!r} is not nvidia.com/gpu, nvidia.com/gpu.shared "
                "or nvidia.com/mig-<N>g.<M>gb"
            )
        rendering = gpu.get("rendering", "egl" if resource else "software")
        if rendering not in RENDERING_MODES:
            raise CatalogueError(f"{where}: rendering must be one of {', '.join(RENDERING_MODES)}")
        if rendering != "software" and resource is None:
            raise CatalogueError(f"{where}: rendering {rendering!r} needs a GPU resource")
        if rendering == "sidecar" and not data.get("sidecar_image"):
            raise CatalogueError(f"{where}: rendering 'sidecar' needs 'sidecar_image'")
        selector = gpu.get("node_selector", {})
        if not isinstance(selector, dict):
            raise CatalogueError(f"{where}: node_selector must be a mapping")
        out["gpus"].append(
            {
                "slug": _slug(gpu, where, seen),
                "display_name": str(_require(gpu, "display_name", where)),
                "description": str(gpu.get("description", "")),
                "resource": resource,
                "count": int(gpu.get("count", 1)),
                "node_selector": {str(k): str(v) for k, v in selector.items()},
                "framebuffer_mib": gpu.get("framebuffer_mib"),
                "rendering": rendering,
                "default": bool(gpu.get("default", False)),
            }
        )
    return out


def load_catalogue(path: str) -> dict[str, Any]:
    """Read and validate a YAML or JSON catalogue file."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".json"):
        data = json.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text)
    return validate(data)
