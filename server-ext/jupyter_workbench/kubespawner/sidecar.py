"""Pod wiring for the Xorg sidecar: the container, the shared X socket volume, the env.

Everything is returned as KubeSpawner overrides in the merge-safe form: ``extra_containers``,
``volumes`` and ``volume_mounts`` are dicts keyed by name, so a profile override *adds* to
what the hub already configured (Zero-to-JupyterHub's home volume) instead of replacing it.
KubeSpawner runs every string of those traits through ``str.format`` (``{username}`` …), so
literal braces in the sidecar container are escaped with :func:`escape_braces`.
"""

from __future__ import annotations

from typing import Any  # Any: Kubernetes objects are JSON-like dicts

from ..core.rendering import (
    ENV_MODE,
    ENV_SIDECAR_DISPLAY,
    X11_SOCKET_DIR,
    parse_display,
    pod_environment,
)

SIDECAR_NAME = "workbench-xorg"
SOCKET_VOLUME = "workbench-x11-unix"
#: Keys of the merge-safe dicts; ``zz-`` sorts our entries after the hub's own.
CONTAINER_KEY = f"zz-{SIDECAR_NAME}"
VOLUME_KEY = f"zz-{SOCKET_VOLUME}"


def escape_braces(value: Any) -> Any:
    """Double ``{``/``}`` in every string of ``value`` so ``str.format`` gives them back."""
    if isinstance(value, str):
        return value.replace("{", "{{").replace("}", "}}")
    if isinstance(value, list):
        return [escape_braces(v) for v in value]
    if isinstance(value, dict):
        return {escape_braces(k): escape_braces(v) for k, v in value.items()}
    return value


def socket_volume() -> dict[str, Any]:
    """The ``emptyDir`` both containers mount on ``/tmp/.X11-unix``."""
    return {"name": SOCKET_VOLUME, "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}}


def socket_mount() -> dict[str, Any]:
    """The mount of :func:`socket_volume`."""
    return {"name": SOCKET_VOLUME, "mountPath": X11_SOCKET_DIR}


def sidecar_container(settings: dict[str, Any]) -> dict[str, Any]:
    """The Xorg sidecar container (Kubernetes camelCase, braces escaped for KubeSpawner).

    ``settings`` is the catalogue's normalised ``sidecar`` section: ``image``, ``display``,
    ``privileged``, ``gpu_visibility`` (``all``: ask the NVIDIA container runtime for every
    GPU of the node, as the device plugin gives the pod's GPU to one container only),
    ``virtual`` (Xorg screen size) and ``env`` (extra variables).
    """
    display = settings["display"]
    parsed = parse_display(display)
    if parsed is None:
        raise ValueError(f"sidecar display must look like ':0', not {display!r}")
    number = parsed[1]
    env = {
        ENV_MODE: "sidecar",
        ENV_SIDECAR_DISPLAY: display,
        "WORKBENCH_XORG_VIRTUAL": settings["virtual"],
        **settings.get("env", {}),
    }
    if settings.get("gpu_visibility") == "all":
        env.setdefault("NVIDIA_VISIBLE_DEVICES", "all")
        env.setdefault("NVIDIA_DRIVER_CAPABILITIES", "all")
    security: dict[str, Any] = {"runAsUser": 0, "runAsGroup": 0}
    if settings.get("privileged"):
        security["privileged"] = True
    else:
        security.update({"privileged": False, "allowPrivilegeEscalation": False})
    container = {
        "name": SIDECAR_NAME,
        "image": settings["image"],
        "imagePullPolicy": "IfNotPresent",
        "env": [{"name": k, "value": str(v)} for k, v in env.items()],
        "volumeMounts": [socket_mount()],
        "readinessProbe": {
            "exec": {"command": ["test", "-S", f"{X11_SOCKET_DIR}/X{number}"]},
            "initialDelaySeconds": 1,
            "periodSeconds": 2,
            "failureThreshold": 3,
        },
        "resources": {
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        },
        "securityContext": security,
    }
    escaped: dict[str, Any] = escape_braces(container)
    return escaped


def sidecar_overrides(settings: dict[str, Any]) -> dict[str, Any]:
    """KubeSpawner overrides that add the sidecar, the shared volume and the contract env."""
    return {
        "extra_containers": {CONTAINER_KEY: sidecar_container(settings)},
        "volumes": {VOLUME_KEY: socket_volume()},
        "volume_mounts": {VOLUME_KEY: socket_mount()},
        "environment": pod_environment(
            "sidecar",
            sidecar_display=settings["display"],
            sidecar_timeout=float(settings["timeout"]),
        ),
    }
