"""Prometheus text exposition of a snapshot, with dcgm-exporter's metric names and labels.

Only supported series are emitted: a field that is N/A on a GPU has no sample (no
sentinel zeros), so dashboards built for dcgm-exporter work unchanged.
"""

from __future__ import annotations

from typing import Any, Callable  # Any: snapshot values are of mixed types

#: (name, type, help, getter) — getters return None for "no sample".
METRICS: list[tuple[str, str, str, Callable[[dict[str, Any]], Any]]] = [
    (
        "DCGM_FI_DEV_GPU_UTIL",
        "gauge",
        "GPU utilization (in %).",
        lambda g: g.get("utilization_gpu_percent"),
    ),
    (
        "DCGM_FI_DEV_FB_USED",
        "gauge",
        "Framebuffer memory used (in MiB).",
        lambda g: (g.get("memory") or {}).get("used_mib"),
    ),
    ("DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB).", lambda g: _free(g)),
    ("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C).", lambda g: g.get("temperature_c")),
    ("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).", lambda g: g.get("power_w")),
    (
        "DCGM_FI_DEV_SM_CLOCK",
        "gauge",
        "SM clock frequency (in MHz).",
        lambda g: (g.get("clocks") or {}).get("sm_mhz"),
    ),
    (
        "DCGM_FI_DEV_MEM_CLOCK",
        "gauge",
        "Memory clock frequency (in MHz).",
        lambda g: (g.get("clocks") or {}).get("mem_mhz"),
    ),
    (
        "DCGM_FI_DEV_XID_ERRORS",
        "gauge",
        "Value of the last XID error encountered.",
        lambda g: g["xid_events"][-1]["xid"] if g.get("xid_events") else None,
    ),
    (
        "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
        "counter",
        "Total number of PCIe retries.",
        lambda g: (g.get("pcie") or {}).get("replay_counter"),
    ),
    (
        "DCGM_FI_DEV_VGPU_LICENSE_STATUS",
        "gauge",
        "vGPU license status (1 licensed, 0 not).",
        lambda g: _licence(g),
    ),
    (
        "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS",
        "counter",
        "Number of remapped rows for uncorrectable errors.",
        lambda g: (g.get("remapped_rows") or {}).get("uncorrectable"),
    ),
    (
        "DCGM_FI_DEV_ROW_REMAP_FAILURE",
        "gauge",
        "Whether remapping of rows has failed.",
        lambda g: _bool((g.get("remapped_rows") or {}).get("failure")),
    ),
]


def _free(gpu: dict[str, Any]) -> Any:
    memory = gpu.get("memory") or {}
    if memory.get("total_mib") is None or memory.get("used_mib") is None:
        return None
    return memory["total_mib"] - memory["used_mib"]


def _licence(gpu: dict[str, Any]) -> Any:
    status = ((gpu.get("vgpu") or {}).get("license_status") or "").lower()
    if not status:
        return None
    return 0 if "unlicensed" in status else 1


def _bool(value: Any) -> Any:
    return None if value is None else int(bool(value))


def _escape(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(gpu: dict[str, Any], hostname: str) -> str:
    labels = {
        "gpu": gpu.get("index"),
        "UUID": gpu.get("uuid") or "",
        "pci_bus_id": gpu.get("pci_bus_id") or "",
        "device": f"nvidia{gpu.get('index')}",
        "modelName": gpu.get("name") or "",
        "Hostname": hostname,
    }
    return ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items())


def render(snapshot: dict[str, Any], hostname: str = "") -> str:
    """The exposition text for ``snapshot``."""
    lines: list[str] = []
    gpus = snapshot.get("gpus", [])
    for name, kind, help_text, getter in METRICS:
        samples = []
        for gpu in gpus:
            value = getter(gpu)
            if value is None:
                continue
            samples.append(f"{name}{{{_labels(gpu, hostname)}}} {float(value):g}")
        if samples:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *samples]
    # MIG slices: memory per GPU instance, with dcgm-exporter's GPU_I_* labels.
    mig_samples = []
    for gpu in gpus:
        for dev in (gpu.get("mig") or {}).get("devices", []):
            if dev.get("memory_used_mib") is None:
                continue
            labels = _labels(gpu, hostname) + (
                f',GPU_I_PROFILE="{_escape(dev.get("profile") or "")}"'
                f',GPU_I_ID="{_escape(dev.get("gpu_instance_id"))}"'
            )
            mig_samples.append(f"DCGM_FI_DEV_FB_USED{{{labels}}} {dev['memory_used_mib']:g}")
    if mig_samples:
        if not any(line.startswith("# TYPE DCGM_FI_DEV_FB_USED") for line in lines):
            lines += [
                "# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).",
                "# TYPE DCGM_FI_DEV_FB_USED gauge",
            ]
        index = max(
            i
            for i, line in enumerate(lines)
            if line.startswith("DCGM_FI_DEV_FB_USED")
            or line.startswith("# TYPE DCGM_FI_DEV_FB_USED")
        )
        lines[index + 1 : index + 1] = mig_samples
    return "\n".join(lines) + ("\n" if lines else "")
