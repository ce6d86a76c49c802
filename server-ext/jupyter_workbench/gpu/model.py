"""From a raw ``nvidia-smi`` tree (:mod:`.parse`) to the snapshot model of the API.

Every field is a value or ``None``; a ``None`` has its reason in the GPU's ``na`` map
(unsupported, no permission, not meaningful in a vGPU guest, not reported) — never a
fake zero. See docs in /work/team/GPU-CONTRACT.md for the shape.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any  # Any: snapshots are JSON-like trees (values of mixed types)

Tree = dict[str, Any]

_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")
_VIRT = {
    "none": "none",
    "pass-through": "passthrough",
    "passthrough": "passthrough",
    "vgpu": "vgpu",
    "host vgpu": "host_vgpu",
    "host_vgpu": "host_vgpu",
}
_RECOVERY = {
    "none": "none",
    "reset": "gpu_reset",
    "gpu reset": "gpu_reset",
    "reboot": "node_reboot",
    "node reboot": "node_reboot",
    "drain p2p": "drain_p2p",
    "drain and reset": "drain_and_reset",
}
#: SMs of a MIG slice → its number of compute slices (A100: 14/slice; H100/H200: 16, 3g=60).
_MIG_SLICES = {14: 1, 16: 1, 28: 2, 32: 2, 42: 3, 60: 3, 56: 4, 64: 4, 98: 7, 132: 7}

NOT_MEANINGFUL_VGPU = "not meaningful in a vGPU guest (the host owns it)"


class Missing:
    """Why a value is missing."""

    def __init__(self, reason: str, lost: bool = False) -> None:
        self.reason = reason
        self.lost = lost


def reason_for(raw: Any) -> Missing | None:
    """The reason a raw nvidia-smi value is not a value, or ``None`` when it is one."""
    if raw is None:
        return Missing("not reported by this driver")
    if isinstance(raw, (dict, list)):
        return None
    text = str(raw).strip()
    low = text.lower().strip("[]")
    if low in {"n/a", ""}:
        return Missing("not available on this GPU")
    if "not supported" in low:
        return Missing("not supported")
    if "permission" in low:
        return Missing("no permission")
    if "redacted" in low:
        return Missing("redacted in this capture")
    if "gpu is lost" in low or "requires reset" in low:
        return Missing("the GPU is lost", lost=True)
    if "unknown error" in low:
        return Missing("unknown error")
    return None


def get(tree: Any, *paths: str) -> Any:
    """The first of ``paths`` (dotted) present in ``tree``."""
    for path in paths:
        node = tree
        for part in path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                node = None
                break
        if node is not None:
            return node
    return None


def number(raw: Any) -> float | None:
    """``"432.21 W"`` → 432.21; ``None`` for anything that is not a number."""
    if raw is None or isinstance(raw, (dict, list)) or reason_for(raw):
        return None
    match = _NUMBER.match(str(raw))
    return float(match.group(1)) if match else None


class GpuBuilder:
    """Builds one GPU dict, recording a reason for each missing field."""

    def __init__(self, raw: Tree, index: int) -> None:
        self.raw = raw
        self.gpu: dict[str, Any] = {"index": index}
        self.na: dict[str, str] = {}
        self.lost = False

    def pick(self, field: str, *paths: str, as_int: bool = False, vgpu_zero: bool = False) -> Any:
        """Read a number from the first present path; note why when there is none."""
        raw = get(self.raw, *paths)
        missing = reason_for(raw)
        if missing:
            self.na[field] = missing.reason
            self.lost = self.lost or missing.lost
            return None
        value = number(raw)
        if value is None:
            self.na[field] = f"unreadable value {str(raw)[:40]!r}"
            return None
        if vgpu_zero and value == 0 and self.gpu.get("virtualization_mode") == "vgpu":
            self.na[field] = NOT_MEANINGFUL_VGPU
            return None
        return int(value) if as_int else value

    def text(self, field: str, *paths: str) -> str | None:
        raw = get(self.raw, *paths)
        missing = reason_for(raw)
        if missing or isinstance(raw, (dict, list)):
            if missing:
                self.na[field] = missing.reason
            return None
        return str(raw).strip()


def _license(raw: Tree, timestamp: float) -> dict[str, Any] | None:
    product = get(raw, "vgpu_software_licensed_product")
    if not isinstance(product, dict):
        return None
    status_raw = str(product.get("license_status", "")).strip()
    match = re.match(r"^(.*?)\s*\(Expiry:\s*(.+?)\)\s*$", status_raw)
    status, expiry_text = (match.group(1), match.group(2)) if match else (status_raw, None)
    expiry = None
    if expiry_text:
        for fmt in ("%Y-%m-%d %H:%M:%S GMT", "%Y-%m-%d %H:%M:%S"):
            try:
                parsed = datetime.strptime(expiry_text, fmt).replace(tzinfo=timezone.utc)
            except ValueError:
                continue
            expiry = parsed.isoformat().replace("+00:00", "Z")
            break
    return {
        "product": product.get("licensed_product_name"),
        "license_status": status or None,
        "license_expiry": expiry,
    }


def _mig(raw: Tree) -> dict[str, Any]:
    mode = get(raw, "mig_mode.current_mig", "mig_mode.current")
    enabled = str(mode).strip().lower() == "enabled" if mode is not None else False
    devices_raw = get(raw, "mig_devices.mig_device", "mig_device", "mig_devices.device")
    if isinstance(devices_raw, dict):
        devices_raw = [devices_raw]
    devices = []
    for position, dev in enumerate(devices_raw if isinstance(devices_raw, list) else []):
        total = number(get(dev, "fb_memory_usage.total", "shared_fb_memory_usage.total"))
        used = number(get(dev, "fb_memory_usage.used", "shared_fb_memory_usage.used"))
        sms = number(get(dev, "device_attributes.shared.multiprocessor_count"))
        slices = _MIG_SLICES.get(int(sms)) if sms else None
        profile = f"{slices}g.{round(total / 1024)}gb" if slices and total else None
        gi = number(dev.get("gpu_instance_id"))
        devices.append(
            {
                "index": int(number(dev.get("index")) or position),
                "gpu_instance_id": int(gi) if gi is not None else None,
                "profile": profile,
                "profile_source": "derived from SMs and memory" if profile else None,
                "multiprocessor_count": int(sms) if sms else None,
                "memory_total_mib": int(total) if total is not None else None,
                "memory_used_mib": int(used) if used is not None else None,
            }
        )
    return {"enabled": enabled, "devices": devices}


def _active_reasons(raw: Tree) -> list[str]:
    reasons = get(raw, "clocks_event_reasons", "clocks_throttle_reasons")
    active = []
    if isinstance(reasons, dict):
        for key, value in reasons.items():
            if not isinstance(value, str) or value.strip().lower() != "active":
                continue
            name = re.sub(r"^clocks?_(event|throttle)_reasons?_", "", key)
            active.append("idle" if name == "gpu_idle" else name)
    return sorted(active)


def _sum_ecc(section: Any, kind: str) -> int | None:
    """Sum the ``*uncorrectable*`` (or ``*correctable*``) counters of an ECC section."""
    if not isinstance(section, dict):
        return None
    total, seen = 0, False
    for key, value in section.items():
        if isinstance(value, dict):
            inner = _sum_ecc(value, kind)
            if inner is not None:
                total, seen = total + inner, True
            continue
        is_unc = "uncorrectable" in key or key.endswith("_unc") or "double_bit" in key
        if kind == "uncorrectable" and not is_unc:
            continue
        if kind == "correctable" and (is_unc or "correctable" not in key):
            continue
        if "threshold" in key:
            continue
        value_num = number(value)
        if value_num is not None:
            total, seen = total + int(value_num), True
    return total if seen else None


def _ecc(raw: Tree) -> dict[str, Any]:
    errors = get(raw, "ecc_errors")
    volatile = get(errors, "volatile") if isinstance(errors, dict) else None
    aggregate = get(errors, "aggregate") if isinstance(errors, dict) else None
    mode = get(raw, "ecc_mode.current_ecc", "ecc_mode.current")
    return {
        "mode": str(mode).strip().lower() if mode and not reason_for(mode) else None,
        "volatile_uncorrected": _sum_ecc(volatile, "uncorrectable"),
        "aggregate_uncorrected": _sum_ecc(aggregate, "uncorrectable"),
        "volatile_corrected": _sum_ecc(volatile, "correctable"),
        "aggregate_corrected": _sum_ecc(aggregate, "correctable"),
    }


def _yes(raw: Any) -> bool | None:
    if raw is None or reason_for(raw):
        return None
    return str(raw).strip().lower() in {"yes", "true", "1", "active"}


def _remapped(raw: Tree) -> dict[str, Any] | None:
    rows = get(raw, "remapped_rows")
    if not isinstance(rows, dict):
        return None
    corr = number(get(rows, "remapped_row_corr", "correctable_error"))
    unc = number(get(rows, "remapped_row_unc", "uncorrectable_error"))
    return {
        "correctable": int(corr) if corr is not None else None,
        "uncorrectable": int(unc) if unc is not None else None,
        "pending": _yes(get(rows, "remapped_row_pending", "pending")),
        "failure": _yes(get(rows, "remapped_row_failure", "remapping_failure_occurred")),
    }


def _retired(raw: Tree) -> dict[str, Any] | None:
    pages = get(raw, "retired_pages")
    if not isinstance(pages, dict):
        return None
    double = number(get(pages, "double_bit_retirement.retired_count"))
    single = number(get(pages, "multiple_single_bit_retirement.retired_count"))
    pending = _yes(get(pages, "pending_retirement", "pending_page_blacklist"))
    if double is None and single is None and pending is None:
        return None
    return {
        "double_bit": int(double) if double is not None else None,
        "single_bit": int(single) if single is not None else None,
        "pending": pending,
    }


def _processes(raw: Tree) -> list[dict[str, Any]]:
    infos = get(raw, "processes.process_info")
    if isinstance(infos, dict):
        infos = [infos]
    out = []
    for info in infos if isinstance(infos, list) else []:
        pid = number(get(info, "pid", "process_id"))
        if pid is None:
            continue
        memory = number(get(info, "used_memory", "used_gpu_memory"))
        name = get(info, "process_name", "name") or ""
        gi = number(get(info, "gpu_instance_id"))
        out.append(
            {
                "pid": int(pid),
                "name": str(name).strip() or None,
                "type": get(info, "type"),
                "used_memory_mib": int(memory) if memory is not None else None,
                "gpu_instance_id": int(gi) if gi is not None else None,
                "kernel": None,
            }
        )
    return out


def gpu_from_tree(raw: Tree, index: int, timestamp: float) -> dict[str, Any]:
    """One GPU of the snapshot model from its raw tree."""
    b = GpuBuilder(raw, index)
    gpu = b.gpu
    gpu["uuid"] = b.text("uuid", "uuid", "gpu_uuid")
    gpu["name"] = b.text("name", "product_name")
    gpu["pci_bus_id"] = b.text("pci_bus_id", "pci.pci_bus_id", "pci.bus_id") or raw.get("_id")
    # /dev/nvidia<minor> is this GPU's device node (used to find the session's processes).
    gpu["minor_number"] = b.pick("minor_number", "minor_number", as_int=True)
    virt = get(raw, "gpu_virtualization_mode.virtualization_mode")
    if virt is None or reason_for(virt):
        gpu["virtualization_mode"] = None
        b.na["virtualization_mode"] = (reason_for(virt) or Missing("")).reason or "unknown"
    else:
        gpu["virtualization_mode"] = _VIRT.get(str(virt).strip().lower(), str(virt).lower())
    licence = _license(raw, timestamp)
    gpu["vgpu"] = (
        {"profile": gpu["name"], **(licence or {"license_status": None, "license_expiry": None})}
        if gpu["virtualization_mode"] == "vgpu"
        else None
    )
    gpu["mig"] = _mig(raw)
    total = b.pick("memory.total_mib", "fb_memory_usage.total", as_int=True)
    used = b.pick("memory.used_mib", "fb_memory_usage.used", as_int=True)
    gpu["memory"] = {"total_mib": total, "used_mib": used}
    gpu["utilization_gpu_percent"] = b.pick(
        "utilization_gpu_percent", "utilization.gpu_util", "utilization.gpu", as_int=True
    )
    if gpu["utilization_gpu_percent"] is None and gpu["mig"]["enabled"]:
        b.na["utilization_gpu_percent"] = "not reported for the whole GPU in MIG mode"
    gpu["temperature_c"] = b.pick(
        "temperature_c", "temperature.gpu_temp", "temperature.gpu_current_temp", vgpu_zero=True
    )
    gpu["power_w"] = b.pick(
        "power_w",
        "gpu_power_readings.power_draw",
        "gpu_power_readings.average_power_draw",
        "gpu_power_readings.instant_power_draw",
        "gpu_power_readings.instantaneous_power_draw",
        "power_readings.power_draw",
    )
    gpu["power_limit_w"] = b.pick(
        "power_limit_w",
        "gpu_power_readings.current_power_limit",
        "gpu_power_readings.enforced_power_limit",
        "gpu_power_readings.power_limit",
        "power_readings.enforced_power_limit",
        "power_readings.power_limit",
    )
    gpu["clocks"] = {
        "sm_mhz": b.pick("clocks.sm_mhz", "clocks.sm_clock", "clocks.sm", vgpu_zero=True),
        "mem_mhz": b.pick("clocks.mem_mhz", "clocks.mem_clock", "clocks.memory", vgpu_zero=True),
    }
    gpu["clock_event_reasons"] = _active_reasons(raw)
    gpu["pcie"] = {
        "gen_current": b.pick(
            "pcie.gen_current",
            "pci.pci_gpu_link_info.pcie_gen.current_link_gen",
            "pci.gpu_link_info.pcie_generation.current",
            as_int=True,
        ),
        "gen_max": b.pick(
            "pcie.gen_max",
            "pci.pci_gpu_link_info.pcie_gen.max_link_gen",
            "pci.gpu_link_info.pcie_generation.max",
            as_int=True,
        ),
        "width_current": b.pick(
            "pcie.width_current",
            "pci.pci_gpu_link_info.link_widths.current_link_width",
            "pci.gpu_link_info.link_width.current",
            as_int=True,
        ),
        "width_max": b.pick(
            "pcie.width_max",
            "pci.pci_gpu_link_info.link_widths.max_link_width",
            "pci.gpu_link_info.link_width.max",
            as_int=True,
        ),
        "replay_counter": b.pick(
            "pcie.replay_counter", "pci.replay_counter", "pci.replays_since_reset", as_int=True
        ),
    }
    gpu["ecc"] = _ecc(raw)
    gpu["remapped_rows"] = _remapped(raw)
    if gpu["remapped_rows"] is None:
        b.na["remapped_rows"] = (reason_for(get(raw, "remapped_rows")) or Missing("")).reason or (
            "not reported"
        )
    gpu["retired_pages"] = _retired(raw)
    gpu["xid_events"] = []
    action = get(raw, "gpu_recovery_action")
    if action is None or reason_for(action):
        gpu["recovery_action"] = None
        b.na["recovery_action"] = (reason_for(action) or Missing("")).reason
    else:
        gpu["recovery_action"] = _RECOVERY.get(str(action).strip().lower(), str(action).lower())
    gpu["processes"] = _processes(raw)
    gpu["lost"] = b.lost
    gpu["na"] = b.na
    return gpu


def snapshot_from_tree(
    tree: Tree, source: str, timestamp: float, interval_s: float | None = None
) -> dict[str, Any]:
    """The whole snapshot (without health; see :mod:`.health`) from a parsed document."""
    gpus = [gpu_from_tree(raw, i, timestamp) for i, raw in enumerate(tree.get("gpus", []))]
    driver = tree.get("driver_version")
    cuda = tree.get("cuda_version")
    return {
        "source": source,
        "status": "ok" if gpus else "no-gpu",
        "message": None if gpus else "nvidia-smi reports no GPU visible to this session",
        "timestamp": timestamp,
        "interval_s": interval_s,
        "driver_version": driver if driver and not reason_for(driver) else None,
        "cuda_version": cuda if cuda and not reason_for(cuda) else None,
        "gpus": gpus,
    }


def empty_snapshot(source: str, status: str, message: str, timestamp: float) -> dict[str, Any]:
    """A snapshot saying there is nothing to show, and why."""
    return {
        "source": source,
        "status": status,
        "message": message,
        "timestamp": timestamp,
        "interval_s": None,
        "driver_version": None,
        "cuda_version": None,
        "gpus": [],
    }
