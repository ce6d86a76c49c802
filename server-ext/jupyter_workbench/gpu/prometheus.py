"""Prometheus text exposition of a snapshot, laid out as NVIDIA's dcgm-exporter does.

Names, types, units and labels follow dcgm-exporter's ``etc/default-counters.csv`` wherever
the snapshot has the value, so NVIDIA's Grafana dashboard works unchanged:

* labels ``gpu``, ``UUID``, ``pci_bus_id``, ``device``, ``modelName``, ``Hostname`` and the
  ``DCGM_FI_DRIVER_VERSION`` label on every series;
* a GPU in MIG mode has **one series per GPU instance** and none for the whole GPU, each
  with ``GPU_I_PROFILE`` (NVIDIA's GPU-instance profile name) and ``GPU_I_ID``; memory is
  that instance's, device-wide readings (clocks, temperature, power) repeat on every
  instance, as DCGM reports them; several compute instances of one GPU instance are one
  series (their memory is shared, so it is counted once);
* a field that is N/A on a GPU has no sample (never a sentinel zero);
* numbers are written exactly (integers as integers, floats in full precision).

A few series beyond dcgm-exporter's defaults use DCGM's own field names (retired pages,
volatile ECC totals, row-remap pending, clock-event reasons and violation counters) and two
are Workbench's own (``workbench_gpu_lost``, ``workbench_gpu_health``); docs/admin lists them.
"""

from __future__ import annotations

import math
from typing import Any, Callable  # Any: snapshot values are of mixed types

Gpu = dict[str, Any]

#: NVML's clock-event reason bits (``nvmlClocksEventReason*``), as DCGM reports them in
#: ``DCGM_FI_DEV_CLOCKS_EVENT_REASONS``.
REASON_BITS = {
    "idle": 0x1,
    "applications_clocks_setting": 0x2,
    "sw_power_cap": 0x4,
    "hw_slowdown": 0x8,
    "sync_boost": 0x10,
    "sw_thermal_slowdown": 0x20,
    "hw_thermal_slowdown": 0x40,
    "hw_power_brake_slowdown": 0x80,
    "display_clock_setting": 0x100,
    "display_clocks_setting": 0x100,
}
_HEALTH = {"ok": 0, "degraded": 1, "critical": 2}


def _path(*keys: str) -> Callable[[Gpu], Any]:
    def read(gpu: Gpu) -> Any:
        node: Any = gpu
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        return node

    return read


def _licence(gpu: Gpu) -> Any:
    status = ((gpu.get("vgpu") or {}).get("license_status") or "").lower()
    if not status:
        return None
    return 0 if "unlicensed" in status or "not licensed" in status else 1


def _bool(read: Callable[[Gpu], Any]) -> Callable[[Gpu], Any]:
    def value(gpu: Gpu) -> Any:
        got = read(gpu)
        return None if got is None else int(bool(got))

    return value


def _reasons(gpu: Gpu) -> Any:
    if "clock_event_reasons" in (gpu.get("na") or {}):
        return None
    mask = 0
    for name in gpu.get("clock_event_reasons") or []:
        mask |= REASON_BITS.get(name, 0)
    return mask


def _violation_ns(*names: str) -> Callable[[Gpu], Any]:
    """DCGM's violation counters are in ns; nvidia-smi's event-reason counters in µs."""

    def value(gpu: Gpu) -> Any:
        counters = gpu.get("clock_event_counters_us") or {}
        got = [counters.get(name) for name in names]
        if any(v is None for v in got):
            return None
        return sum(int(v) for v in got if v is not None) * 1000

    return value


def _health(gpu: Gpu) -> Any:
    return _HEALTH.get((gpu.get("health") or {}).get("verdict", ""))


def _last_xid(gpu: Gpu) -> Any:
    events = gpu.get("xid_events") or []
    return events[-1]["xid"] if events else None


#: (name, type, help, getter, per MIG instance?) — a getter returns None for "no sample";
#: per-instance getters read a MIG instance dict (its memory), the others the whole GPU.
METRICS: list[tuple[str, str, str, Callable[[Gpu], Any], bool]] = [
    (
        "DCGM_FI_DEV_SM_CLOCK",
        "gauge",
        "SM clock frequency (in MHz).",
        _path("clocks", "sm_mhz"),
        False,
    ),
    (
        "DCGM_FI_DEV_MEM_CLOCK",
        "gauge",
        "Memory clock frequency (in MHz).",
        _path("clocks", "mem_mhz"),
        False,
    ),
    (
        "DCGM_FI_DEV_MEMORY_TEMP",
        "gauge",
        "Memory temperature (in C).",
        _path("memory_temperature_c"),
        False,
    ),
    ("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C).", _path("temperature_c"), False),
    ("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).", _path("power_w"), False),
    (
        "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
        "counter",
        "Total energy consumption since boot (in mJ).",
        _path("energy_mj"),
        False,
    ),
    (
        "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
        "counter",
        "Total number of PCIe retries.",
        _path("pcie", "replay_counter"),
        False,
    ),
    (
        "DCGM_FI_DEV_GPU_UTIL",
        "gauge",
        "GPU utilization (in %).",
        _path("utilization_gpu_percent"),
        False,
    ),
    (
        "DCGM_FI_DEV_MEM_COPY_UTIL",
        "gauge",
        "Memory utilization (in %).",
        _path("utilization", "memory"),
        False,
    ),
    (
        "DCGM_FI_DEV_ENC_UTIL",
        "gauge",
        "Encoder utilization (in %).",
        _path("utilization", "encoder"),
        False,
    ),
    (
        "DCGM_FI_DEV_DEC_UTIL",
        "gauge",
        "Decoder utilization (in %).",
        _path("utilization", "decoder"),
        False,
    ),
    (
        "DCGM_FI_DEV_XID_ERRORS",
        "gauge",
        "Value of the last XID error encountered.",
        _last_xid,
        False,
    ),
    (
        "DCGM_FI_DEV_FB_FREE",
        "gauge",
        "Framebuffer memory free (in MiB).",
        _path("memory", "free_mib"),
        True,
    ),
    (
        "DCGM_FI_DEV_FB_USED",
        "gauge",
        "Framebuffer memory used (in MiB).",
        _path("memory", "used_mib"),
        True,
    ),
    (
        "DCGM_FI_DEV_FB_RESERVED",
        "gauge",
        "Framebuffer memory reserved (in MiB).",
        _path("memory", "reserved_mib"),
        True,
    ),
    ("DCGM_FI_DEV_VGPU_LICENSE_STATUS", "gauge", "vGPU License status", _licence, False),
    (
        "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS",
        "counter",
        "Number of remapped rows for uncorrectable errors",
        _path("remapped_rows", "uncorrectable"),
        False,
    ),
    (
        "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS",
        "counter",
        "Number of remapped rows for correctable errors",
        _path("remapped_rows", "correctable"),
        False,
    ),
    (
        "DCGM_FI_DEV_ROW_REMAP_FAILURE",
        "gauge",
        "Whether remapping of rows has failed",
        _bool(_path("remapped_rows", "failure")),
        False,
    ),
    # Beyond dcgm-exporter's defaults: DCGM field names, for the alert rules.
    (
        "DCGM_FI_DEV_ROW_REMAP_PENDING",
        "gauge",
        "Whether remapping of rows is pending (a GPU reset applies it)",
        _bool(_path("remapped_rows", "pending")),
        False,
    ),
    (
        "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL",
        "counter",
        "Total number of double-bit volatile ECC errors.",
        _path("ecc", "volatile_uncorrected"),
        False,
    ),
    (
        "DCGM_FI_DEV_ECC_DBE_AGG_TOTAL",
        "counter",
        "Total number of double-bit persistent ECC errors.",
        _path("ecc", "aggregate_uncorrected"),
        False,
    ),
    (
        "DCGM_FI_DEV_RETIRED_SBE",
        "counter",
        "Total number of retired pages due to single-bit errors.",
        _path("retired_pages", "single_bit"),
        False,
    ),
    (
        "DCGM_FI_DEV_RETIRED_DBE",
        "counter",
        "Total number of retired pages due to double-bit errors.",
        _path("retired_pages", "double_bit"),
        False,
    ),
    (
        "DCGM_FI_DEV_RETIRED_PENDING",
        "counter",
        "Total number of pages pending retirement.",
        _bool(_path("retired_pages", "pending")),
        False,
    ),
    (
        "DCGM_FI_DEV_CLOCKS_EVENT_REASONS",
        "gauge",
        "Current clock event reasons (bitmask of NVML's nvmlClocksEventReason* bits).",
        _reasons,
        False,
    ),
    (
        "DCGM_FI_DEV_POWER_VIOLATION",
        "counter",
        "Throttling duration due to power constraints (in ns).",
        _violation_ns("sw_power_cap", "hw_power_brake_slowdown"),
        False,
    ),
    (
        "DCGM_FI_DEV_THERMAL_VIOLATION",
        "counter",
        "Throttling duration due to thermal constraints (in ns).",
        _violation_ns("sw_thermal_slowdown", "hw_thermal_slowdown"),
        False,
    ),
    (
        "DCGM_FI_DEV_SYNC_BOOST_VIOLATION",
        "counter",
        "Throttling duration due to sync-boost constraints (in ns).",
        _violation_ns("sync_boost"),
        False,
    ),
    # Workbench's own.
    (
        "workbench_gpu_lost",
        "gauge",
        "1 when the driver reports the GPU as lost (fallen off the bus).",
        _bool(_path("lost")),
        False,
    ),
    (
        "workbench_gpu_health",
        "gauge",
        "Workbench's health verdict: 0 ok, 1 degraded, 2 critical (absent: unknown).",
        _health,
        False,
    ),
]


def number_text(value: Any) -> str:
    """A sample value written exactly: ``1234567``, ``432.21``, ``NaN``, ``+Inf``."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    as_float = float(value)
    if math.isnan(as_float):
        return "NaN"
    if math.isinf(as_float):
        return "+Inf" if as_float > 0 else "-Inf"
    if as_float.is_integer() and abs(as_float) < 2**53:
        return str(int(as_float))
    return repr(as_float)


def _escape(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def gpu_instances(gpu: Gpu) -> list[dict[str, Any]]:
    """A MIG GPU's GPU instances: one entry per ``gpu_instance_id``, its compute
    instances merged (they share the instance's memory, so it is counted once)."""
    instances: dict[Any, dict[str, Any]] = {}
    for dev in (gpu.get("mig") or {}).get("devices", []):
        key = dev.get("gpu_instance_id")
        if key in instances:
            continue
        instances[key] = {
            "gpu_instance_id": key,
            "profile": dev.get("gpu_instance_profile") or dev.get("profile") or "",
            "memory": {
                "used_mib": dev.get("memory_used_mib"),
                "free_mib": dev.get("memory_free_mib"),
                "reserved_mib": dev.get("memory_reserved_mib"),
            },
        }
    return list(instances.values())


def _labels(gpu: Gpu, hostname: str, driver: str | None) -> dict[str, Any]:
    labels: dict[str, Any] = {
        "gpu": gpu.get("index"),
        "UUID": gpu.get("uuid") or "",
        "pci_bus_id": gpu.get("pci_bus_id") or "",
        "device": f"nvidia{gpu.get('index')}",
        "modelName": gpu.get("name") or "",
    }
    if hostname:
        labels["Hostname"] = hostname
    if driver:
        labels["DCGM_FI_DRIVER_VERSION"] = driver
    return labels


def _line(name: str, labels: dict[str, Any], value: Any) -> str:
    if name == "DCGM_FI_DEV_XID_ERRORS":
        labels = {**labels, "err_code": number_text(value)}  # as dcgm-exporter labels it
    text = ",".join(f'{key}="{_escape(val)}"' for key, val in labels.items())
    return f"{name}{{{text}}} {number_text(value)}"


def render(snapshot: dict[str, Any], hostname: str = "") -> str:
    """The exposition text for ``snapshot``."""
    lines: list[str] = []
    driver = snapshot.get("driver_version")
    gpus = snapshot.get("gpus", [])
    for name, kind, help_text, getter, per_instance in METRICS:
        samples = []
        for gpu in gpus:
            labels = _labels(gpu, hostname, driver)
            instances = gpu_instances(gpu) if (gpu.get("mig") or {}).get("enabled") else []
            if not instances:
                value = getter(gpu)
                if value is not None:
                    samples.append(_line(name, labels, value))
                continue
            # MIG: one series per GPU instance, none for the whole GPU (dcgm-exporter).
            for instance in instances:
                value = getter(instance) if per_instance else getter(gpu)
                if value is None:
                    continue
                mig_labels = dict(labels)
                mig_labels.pop("Hostname", None)
                mig_labels.pop("DCGM_FI_DRIVER_VERSION", None)
                mig_labels["GPU_I_PROFILE"] = instance["profile"]
                mig_labels["GPU_I_ID"] = instance["gpu_instance_id"]
                if hostname:
                    mig_labels["Hostname"] = hostname
                if driver:
                    mig_labels["DCGM_FI_DRIVER_VERSION"] = driver
                samples.append(_line(name, mig_labels, value))
        if samples:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *samples]
    return "\n".join(lines) + ("\n" if lines else "")
