"""KubeSpawner ``profile_list`` from a validated catalogue.

One profile per catalogue entry; its fixed part (GPU resource, node selector on GPU feature
discovery labels, rendering env, the Xorg sidecar) is the profile's ``kubespawner_override``;
the image, the CPU/RAM size and the desktop framebuffer are ``profile_options`` with choices.
Every dict-valued trait is overridden with a dict, which KubeSpawner *merges*.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any  # Any: Kubernetes/KubeSpawner objects are JSON-like dicts

from ..core.rendering import pod_environment
from .sidecar import sidecar_overrides

#: GPU feature discovery (GFD) node labels.
LABEL_PRODUCT = "nvidia.com/gpu.product"
LABEL_VGPU = "nvidia.com/vgpu.present"
LABEL_MIG_STRATEGY = "nvidia.com/mig.strategy"
#: Environment variable the single-user image turns into ``c.WorkbenchDesktop.geometry``.
ENV_GEOMETRY = "WORKBENCH_DESKTOP_GEOMETRY"
#: Keys (merge-safe dicts) of the toleration for tainted GPU nodes.
GPU_TOLERATION_KEY = "zz-workbench-nvidia-gpu"


def node_selector(profile: dict[str, Any]) -> dict[str, str]:
    """GFD labels a node must carry for ``profile`` (plus the profile's own selector)."""
    selector: dict[str, str] = {}
    gpu = profile.get("gpu") or {}
    if gpu.get("product"):
        selector[LABEL_PRODUCT] = gpu["product"]
    if "vgpu" in gpu:
        selector[LABEL_VGPU] = "true" if gpu["vgpu"] else "false"
    if gpu.get("mig_strategy"):
        selector[LABEL_MIG_STRATEGY] = gpu["mig_strategy"]
    selector.update(profile.get("node_selector", {}))
    return selector


def tolerations(profile: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Tolerations keyed by name: the GPU taint for GPU profiles plus the profile's own."""
    found: dict[str, dict[str, Any]] = {}
    if profile.get("gpu"):
        found[GPU_TOLERATION_KEY] = {
            "key": "nvidia.com/gpu",
            "operator": "Exists",
            "effect": "NoSchedule",
        }
    for i, toleration in enumerate(profile.get("tolerations", [])):
        found[f"zz-workbench-{profile['slug']}-{i}"] = dict(toleration)
    return found


def profile_override(catalogue: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    """The fixed ``kubespawner_override`` of one catalogue profile."""
    override: dict[str, Any] = {}
    gpu = profile.get("gpu")
    if gpu:
        override["extra_resource_limits"] = {gpu["resource"]: str(gpu["count"])}
    selector = node_selector(profile)
    if selector:
        override["node_selector"] = selector
    tols = tolerations(profile)
    if tols:
        override["tolerations"] = tols
    if profile["rendering"] == "sidecar":
        override.update(sidecar_overrides(catalogue["sidecar"]))
    else:
        override["environment"] = pod_environment(profile["rendering"])
    return override


def _choices(
    entries: dict[str, dict[str, Any]],
    slugs: list[str],
    make: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    choices: dict[str, dict[str, Any]] = {}
    for slug in slugs:
        entry = entries[slug]
        choices[slug] = {
            "display_name": entry["display_name"],
            "default": bool(entry.get("default")),
            "kubespawner_override": make(entry),
        }
    if choices and not any(c["default"] for c in choices.values()):
        next(iter(choices.values()))["default"] = True
    return choices


def _size_override(size: dict[str, Any]) -> dict[str, Any]:
    return {
        "cpu_limit": float(size["cpu"]),
        "cpu_guarantee": float(size.get("cpu_guarantee", size["cpu"])),
        "mem_limit": size["memory"],
        "mem_guarantee": size.get("mem_guarantee", size["memory"]),
    }


def profile_options(catalogue: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    """``profile_options``: image, size (CPU/RAM) and framebuffer, each with choices."""
    options: dict[str, Any] = {
        "image": {
            "display_name": "Image",
            "choices": _choices(
                catalogue["images"], profile["images"], lambda e: {"image": e["image"]}
            ),
        }
    }
    if profile["sizes"]:
        options["size"] = {
            "display_name": "CPU and memory",
            "choices": _choices(catalogue["sizes"], profile["sizes"], _size_override),
        }
    framebuffers = {
        fb: {"display_name": fb, "default": i == 0} for i, fb in enumerate(profile["framebuffers"])
    }
    for fb, choice in framebuffers.items():
        choice["kubespawner_override"] = {"environment": {ENV_GEOMETRY: fb}}
    options["framebuffer"] = {"display_name": "Desktop size", "choices": framebuffers}
    return options


def build_profile_list(catalogue: dict[str, Any]) -> list[dict[str, Any]]:
    """KubeSpawner ``profile_list`` (a list, as Zero-to-JupyterHub's values require)."""
    profiles = []
    for profile in catalogue["profiles"]:
        entry: dict[str, Any] = {
            "display_name": profile["display_name"],
            "slug": profile["slug"],
            "description": profile.get("description", ""),
            "default": bool(profile.get("default")),
            "kubespawner_override": profile_override(catalogue, profile),
            "profile_options": profile_options(catalogue, profile),
        }
        profiles.append(entry)
    return copy.deepcopy(profiles)


def default_user_options(profile: dict[str, Any]) -> dict[str, str]:
    """``user_options`` choosing ``profile`` with each option's default choice."""
    options = {"profile": profile["slug"]}
    for name, option in profile.get("profile_options", {}).items():
        choice = next(slug for slug, c in option["choices"].items() if c.get("default"))
        options[name] = choice
    return options
