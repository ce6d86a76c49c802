"""The GPU desktop catalogue: what an admin offers, in one YAML or JSON file.

Shape (see ``deploy/catalogue.example.yaml``)::

    version: 1
    images:        {slug: {display_name, image, default?}}
    sizes:         {slug: {display_name, cpu, memory, cpu_guarantee?, mem_guarantee?, default?}}
    framebuffers:  ["1920x1080", "2560x1440"]       # desktop screen sizes offered
    sidecar:       {image, display?, timeout?, privileged?, gpu_visibility?}
    profiles:
      - slug, display_name, description?, default?
        rendering: egl | sidecar | software
        gpu: {resource, count?, product?, vgpu?, mig_strategy?}
        node_selector?, tolerations?, images?, sizes?, framebuffers?

:func:`load_catalogue` parses and validates (JSON schema first, then the rules a schema
cannot say) and returns the catalogue with defaults filled in.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any  # Any: the catalogue is JSON-like (validated by its schema)

GPU_RESOURCE_PATTERN = r"^nvidia\.com/(gpu|gpu\.shared|mig-[1-7]g\.[0-9]+gb(\.me)?)$"
SIZE_PATTERN = r"^[0-9]{3,5}x[0-9]{3,5}$"
SLUG_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
#: KubeSpawner mem_limit/mem_guarantee (jupyterhub ByteSpecification): K, M, G or T.
QUANTITY_PATTERN = r"^[0-9]+(\.[0-9]+)?[KMGT]$"

_SLUG = {"type": "string", "pattern": SLUG_PATTERN}
_LABELS = {"type": "object", "additionalProperties": {"type": "string"}}

CATALOGUE_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Jupyter Workbench GPU desktop catalogue",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "images", "profiles"],
    "properties": {
        "version": {"const": 1},
        "images": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": _SLUG,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["display_name", "image"],
                "properties": {
                    "display_name": {"type": "string", "minLength": 1},
                    "image": {"type": "string", "pattern": r"^[^\s{}]+$"},
                    "default": {"type": "boolean"},
                },
            },
        },
        "sizes": {
            "type": "object",
            "propertyNames": _SLUG,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["display_name", "cpu", "memory"],
                "properties": {
                    "display_name": {"type": "string", "minLength": 1},
                    "cpu": {"type": "number", "exclusiveMinimum": 0},
                    "cpu_guarantee": {"type": "number", "exclusiveMinimum": 0},
                    "memory": {"type": "string", "pattern": QUANTITY_PATTERN},
                    "mem_guarantee": {"type": "string", "pattern": QUANTITY_PATTERN},
                    "default": {"type": "boolean"},
                },
            },
        },
        "framebuffers": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": SIZE_PATTERN},
        },
        "sidecar": {
            "type": "object",
            "additionalProperties": False,
            "required": ["image"],
            "properties": {
                "image": {"type": "string", "pattern": r"^[^\s{}]+$"},
                "display": {"type": "string", "pattern": r"^:[0-9]+$"},
                "timeout": {"type": "number", "exclusiveMinimum": 0},
                "privileged": {"type": "boolean"},
                "gpu_visibility": {"enum": ["none", "all"]},
                "virtual": {"type": "string", "pattern": SIZE_PATTERN},
                "env": _LABELS,
            },
        },
        "profiles": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["slug", "display_name", "rendering"],
                "properties": {
                    "slug": _SLUG,
                    "display_name": {"type": "string", "minLength": 1},
                    "description": {"type": "string"},
                    "default": {"type": "boolean"},
                    "rendering": {"enum": ["egl", "sidecar", "software"]},
                    "gpu": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["resource"],
                        "properties": {
                            "resource": {"type": "string", "pattern": GPU_RESOURCE_PATTERN},
                            "count": {"type": "integer", "minimum": 1},
                            "product": {"type": "string", "pattern": r"^[A-Za-z0-9._-]+$"},
                            "vgpu": {"type": "boolean"},
                            "mig_strategy": {"enum": ["single", "mixed"]},
                        },
                    },
                    "node_selector": _LABELS,
                    "tolerations": {"type": "array", "items": {"type": "object"}},
                    "images": {"type": "array", "minItems": 1, "items": _SLUG},
                    "sizes": {"type": "array", "minItems": 1, "items": _SLUG},
                    "framebuffers": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "pattern": SIZE_PATTERN},
                    },
                },
            },
        },
    },
}

DEFAULT_FRAMEBUFFERS = ["1920x1080"]
DEFAULT_SIDECAR = {
    "display": ":0",
    "timeout": 60,
    "privileged": False,
    "gpu_visibility": "none",
    "virtual": "1920x1080",
    "env": {},
}


class CatalogueError(ValueError):
    """The catalogue is invalid; ``problems`` lists each error with its location."""

    def __init__(self, problems: list[str], source: str = "catalogue") -> None:
        self.problems = problems
        super().__init__(f"{source} is invalid:\n" + "\n".join(f"  - {p}" for p in problems))


def _where(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "catalogue" + "".join(parts)


def schema_problems(data: Any) -> list[str]:
    """JSON-schema errors of ``data`` (empty when it conforms)."""
    from jsonschema import Draft7Validator

    validator = Draft7Validator(CATALOGUE_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    return [f"{_where(e.absolute_path)}: {e.message}" for e in errors]


def rule_problems(data: dict[str, Any]) -> list[str]:
    """Errors a schema cannot express: references, defaults, GPU/rendering combinations."""
    problems: list[str] = []
    images, sizes = data.get("images", {}), data.get("sizes", {})
    for kind, table in (("images", images), ("sizes", sizes)):
        if sum(1 for item in table.values() if item.get("default")) > 1:
            problems.append(f"catalogue.{kind}: more than one entry has default: true")
    profiles = data.get("profiles", [])
    slugs = [p["slug"] for p in profiles]
    for slug in sorted({s for s in slugs if slugs.count(s) > 1}):
        problems.append(f"catalogue.profiles: slug {slug!r} is used more than once")
    if sum(1 for p in profiles if p.get("default")) > 1:
        problems.append("catalogue.profiles: more than one profile has default: true")
    sidecar = {**DEFAULT_SIDECAR, **data.get("sidecar", {})}
    for i, profile in enumerate(profiles):
        where = f"catalogue.profiles[{i}] ({profile['slug']})"
        for kind, table in (("images", images), ("sizes", sizes)):
            for ref in profile.get(kind, []):
                if ref not in table:
                    problems.append(f"{where}.{kind}: {ref!r} is not defined in {kind}")
        gpu, rendering = profile.get("gpu"), profile["rendering"]
        if rendering in {"egl", "sidecar"} and not gpu:
            problems.append(f"{where}: rendering {rendering!r} needs a gpu section")
        if gpu and gpu["resource"].startswith("nvidia.com/mig-"):
            if gpu.get("mig_strategy", "mixed") != "mixed":
                problems.append(
                    f"{where}.gpu: {gpu['resource']} is advertised only with the "
                    "mixed MIG strategy (single strategy exposes MIG devices as nvidia.com/gpu)"
                )
        if rendering == "sidecar":
            if "sidecar" not in data:
                problems.append(f"{where}: rendering 'sidecar' needs a top-level sidecar section")
            elif sidecar["gpu_visibility"] != "all":
                problems.append(
                    f"{where}: with the device plugin only ONE container of a pod gets the GPU; "
                    "the Xorg sidecar can reach it only with sidecar.gpu_visibility: all "
                    "(the NVIDIA runtime shows the sidecar every GPU of the node; use nodes "
                    "with one GPU) or through a DRA ResourceClaim shared by both containers "
                    "(see docs/admin/gpu-sharing.md); or use rendering: egl"
                )
    return problems


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a valid catalogue with every default filled in."""
    cat = copy.deepcopy(data)
    cat.setdefault("sizes", {})
    cat.setdefault("framebuffers", list(DEFAULT_FRAMEBUFFERS))
    if "sidecar" in cat:
        cat["sidecar"] = {**DEFAULT_SIDECAR, **cat["sidecar"]}
    for table in (cat["images"], cat["sizes"]):
        if table and not any(item.get("default") for item in table.values()):
            next(iter(table.values()))["default"] = True
    if not any(p.get("default") for p in cat["profiles"]):
        cat["profiles"][0]["default"] = True
    for profile in cat["profiles"]:
        profile.setdefault("description", "")
        profile.setdefault("default", False)
        profile.setdefault("images", list(cat["images"]))
        profile.setdefault("sizes", list(cat["sizes"]))
        profile.setdefault("framebuffers", list(cat["framebuffers"]))
        if profile.get("gpu"):
            profile["gpu"].setdefault("count", 1)
    return cat


def validate_catalogue(data: Any, source: str = "catalogue") -> dict[str, Any]:
    """Validate parsed catalogue data; return it normalised or raise :class:`CatalogueError`."""
    problems = schema_problems(data)
    if problems:
        raise CatalogueError(problems, source)
    problems = rule_problems(data)
    if problems:
        raise CatalogueError(problems, source)
    return normalise(data)


def load_catalogue(path: str | Path) -> dict[str, Any]:
    """Read a ``.yaml``/``.yml``/``.json`` catalogue file and validate it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CatalogueError([f"cannot read {path}: {err.strerror or err}"], str(path)) from err
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except (ValueError, Exception) as err:  # yaml.YAMLError is not a ValueError
        raise CatalogueError([f"cannot parse {path.name}: {err}"], str(path)) from err
    return validate_catalogue(data, str(path))
