"""Build KubeSpawner's ``profile_list`` (with ``profile_options``) from the catalogue.

One profile per GPU choice; image and CPU/RAM are options of every profile. Overrides are
merge-safe: ``extra_containers``, ``volumes`` and ``volume_mounts`` are given as dicts
keyed by name (KubeSpawner merges dicts but replaces lists, which would drop the home
volume that Zero-to-JupyterHub adds), and strings that KubeSpawner formats with
``str.format`` have their braces escaped.
"""

from __future__ import annotations

import copy
from typing import Any

X11_VOLUME = "workbench-x11-unix"
SIDECAR = "workbench-xorg"


def escape_braces(value: Any) -> Any:
    """Escape ``{``/``}`` in every string (KubeSpawner expands ``{username}`` etc.)."""
    if isinstance(value, str):
        return value.replace("{", "{{").replace("}", "}}")
    if isinstance(value, list):
        return [escape_braces(v) for v in value]
    if isinstance(value, dict):
        return {k: escape_braces(v) for k, v in value.items()}
    return value


def rendering_environment(gpu: dict[str, Any]) -> dict[str, str]:
    """The environment that tells the companion its rendering mode."""
    env = {"WORKBENCH_RENDERING_MODE": gpu["rendering"]}
    if gpu["rendering"] == "egl":
        env["WORKBENCH_VGL_DISPLAY"] = "egl0"
        env["NVIDIA_DRIVER_CAPABILITIES"] = "all"
    elif gpu["rendering"] == "sidecar":
        env.update(
            WORKBENCH_VGL_DISPLAY=":0",
            WORKBENCH_SIDECAR_DISPLAY=":0",
            WORKBENCH_SIDECAR_TIMEOUT="60",
        )
    if gpu.get("framebuffer_mib"):
        env["WORKBENCH_GPU_FRAMEBUFFER_MIB"] = str(gpu["framebuffer_mib"])
    return env


def sidecar_container(gpu: dict[str, Any], image: str) -> dict[str, Any]:
    """The 3D Xorg container: owns the GPU, serves :0 on the shared X socket directory."""
    return escape_braces(
        {
            "name": SIDECAR,
            "image": image,
            "env": [
                {"name": "DISPLAY", "value": ":0"},
                {"name": "NVIDIA_DRIVER_CAPABILITIES", "value": "all"},
            ],
            "resources": {"limits": {gpu["resource"]: str(gpu["count"])}},
            "volumeMounts": [{"name": X11_VOLUME, "mountPath": "/tmp/.X11-unix"}],
            "readinessProbe": {
                "exec": {"command": ["test", "-S", "/tmp/.X11-unix/X0"]},
                "periodSeconds": 2,
                "failureThreshold": 30,
            },
            "securityContext": {"runAsUser": 0, "allowPrivilegeEscalation": False},
        }
    )


def gpu_override(gpu: dict[str, Any], sidecar_image: str | None) -> dict[str, Any]:
    """The ``kubespawner_override`` of one GPU choice."""
    override: dict[str, Any] = {
        "environment": rendering_environment(gpu),
        "node_selector": dict(gpu["node_selector"]),
    }
    if gpu["rendering"] == "sidecar":
        # One GPU cannot be shared by two containers of a pod with the device plugin:
        # the sidecar holds it for 3D; CUDA in the notebook needs a DRA claim (docs/admin).
        override["extra_containers"] = {SIDECAR: sidecar_container(gpu, sidecar_image or "")}
        override["volumes"] = {X11_VOLUME: {"name": X11_VOLUME, "emptyDir": {}}}
        override["volume_mounts"] = {
            X11_VOLUME: {"name": X11_VOLUME, "mountPath": "/tmp/.X11-unix"}
        }
    elif gpu["resource"]:
        override["extra_resource_limits"] = {gpu["resource"]: str(gpu["count"])}
    return override


def build_profile_list(catalogue: dict[str, Any]) -> list[dict[str, Any]]:
    """KubeSpawner ``profile_list``: a profile per GPU choice, image and size as options."""
    options: dict[str, Any] = {}
    if catalogue["images"]:
        options["image"] = {
            "display_name": "Image",
            "choices": {
                image["slug"]: {
                    "display_name": image["display_name"],
                    "default": image["default"],
                    "kubespawner_override": {"image": image["image"]},
                }
                for image in catalogue["images"]
            },
        }
    if catalogue["sizes"]:
        options["size"] = {
            "display_name": "CPU and memory",
            "choices": {
                size["slug"]: {
                    "display_name": size["display_name"],
                    "default": size["default"],
                    "kubespawner_override": {
                        "cpu_guarantee": size["cpu"],
                        "cpu_limit": size["cpu"],
                        "mem_guarantee": size["memory"],
                        "mem_limit": size["memory"],
                    },
                }
                for size in catalogue["sizes"]
            },
        }
    profiles = []
    for gpu in catalogue["gpus"]:
        profile: dict[str, Any] = {
            "display_name": gpu["display_name"],
            "slug": gpu["slug"],
            "description": gpu["description"] or _describe(gpu),
            "kubespawner_override": gpu_override(gpu, catalogue.get("sidecar_image")),
        }
        if gpu["default"]:
            profile["default"] = True
        if options:
            profile["profile_options"] = copy.deepcopy(options)
        profiles.append(profile)
    return profiles


def _describe(gpu: dict[str, Any]) -> str:
    if not gpu["resource"]:
        return "No GPU: software rendering"
    fb = f", {gpu['framebuffer_mib']} MiB framebuffer" if gpu.get("framebuffer_mib") else ""
    return f"{gpu['count']} x {gpu['resource']}{fb}; 3D rendering: {gpu['rendering']}"
