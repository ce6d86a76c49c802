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

_POWER_SECTIONS = ("gpu_power_readings", "power_readings")
#: Clock-event reason counters (µs throttled): our key → the XML / ``-q`` text keys.
_EVENT_COUNTERS = {
    "sw_power_cap": ("clocks_event_reasons_counters_sw_power_cap", "sw_power_capping"),
    "sync_boost": ("clocks_event_reasons_counters_sync_boost", "sync_boost"),
    "sw_thermal_slowdown": (
        "clocks_event_reasons_counters_sw_therm_slowdown",
        "sw_thermal_slowdown",
    ),
    "hw_thermal_slowdown": (
        "clocks_event_reasons_counters_hw_therm_slowdown",
        "hw_thermal_slowdown",
    ),
    "hw_power_brake_slowdown": ("clocks_event_reasons_counters_hw_power_brake", "hw_power_braking"),
}

NOT_MEANINGFUL_VGPU = "not meaningful in a vGPU guest (the host owns it)"
#: The licence fields of a vGPU guest whose licence is not reported.
NO_LICENCE = {"product": None, "license_status": None, "license_expiry": None}


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
    if "deprecated" in low:
        return Missing("deprecated by this driver")
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
        """Read a number from the first path that holds one; note why when none does.

        A path that is present but says N/A (or "Not Supported", …) does not win: the next
        path is tried. The reason recorded is that of the first path present.
        """
        value, _ = self.pick_from(field, *paths, as_int=as_int, vgpu_zero=vgpu_zero)
        return value

    def pick_from(
        self, field: str, *paths: str, as_int: bool = False, vgpu_zero: bool = False
    ) -> tuple[Any, str | None]:
        """Like :meth:`pick`, also saying which path the value came from."""
        first: Missing | None = None
        unreadable: str | None = None
        for path in paths:
            raw = get(self.raw, path)
            if raw is None:
                continue
            missing = reason_for(raw)
            if missing:
                first = first or missing
                self.lost = self.lost or missing.lost
                continue
            value = number(raw)
            if value is None:
                unreadable = unreadable or f"unreadable value {str(raw)[:40]!r}"
                continue
            if vgpu_zero and value == 0 and self.gpu.get("virtualization_mode") == "vgpu":
                self.na[field] = NOT_MEANINGFUL_VGPU
                return None, None
            return (int(value) if as_int else value), path
        if first is not None:
            self.na[field] = first.reason
        elif unreadable is not None:
            self.na[field] = unreadable
        else:
            self.na[field] = "not reported by this driver"
        return None, None

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


#: Where a MIG profile name came from, when NVIDIA did not give one.
DERIVED_PROFILE = (
    "derived from SM count and memory (last resort: NVIDIA's name was not available; "
    "it can differ from NVIDIA's, e.g. on H200 or for several compute instances)"
)
LISTED_PROFILE = "nvidia-smi -L"


def _int(raw: Any) -> int | None:
    value = number(raw)
    return int(value) if value is not None else None


def gi_profile(name: str | None) -> str | None:
    """The GPU instance profile of a MIG device name: ``1c.3g.71gb`` → ``3g.71gb``."""
    if not name:
        return None
    return re.sub(r"^\d+c\.", "", name)


def _derived_names(devices: list[dict[str, Any]]) -> None:
    """Last resort: names from each slice's SM count and memory (labelled as derived)."""
    by_gi: dict[Any, list[dict[str, Any]]] = {}
    for dev in devices:
        by_gi.setdefault(dev["gpu_instance_id"], []).append(dev)
    for members in by_gi.values():
        sms = [d["multiprocessor_count"] for d in members]
        total = members[0]["memory_total_mib"]
        if not total or any(not n for n in sms):
            continue
        gi_slices = _MIG_SLICES.get(sum(sms))
        if gi_slices is None:
            continue
        gi_name = f"{gi_slices}g.{round(total / 1024)}gb"
        for dev in members:
            ci_slices = _MIG_SLICES.get(dev["multiprocessor_count"])
            if len(members) > 1 and ci_slices is not None:
                dev["profile"] = f"{ci_slices}c.{gi_name}"
            else:
                dev["profile"] = gi_name
            dev["gpu_instance_profile"] = gi_name
            dev["profile_source"] = DERIVED_PROFILE


def _mig(raw: Tree, listed: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """MIG mode and devices; names and UUIDs from ``nvidia-smi -L`` (``listed``) if given."""
    mode = get(raw, "mig_mode.current_mig", "mig_mode.current")
    enabled = str(mode).strip().lower() == "enabled" if mode is not None else False
    devices_raw = get(raw, "mig_devices.mig_device", "mig_device", "mig_devices.device")
    if isinstance(devices_raw, dict):
        devices_raw = [devices_raw]
    by_index = {entry["index"]: entry for entry in listed or []}
    devices: list[dict[str, Any]] = []
    for position, dev in enumerate(devices_raw if isinstance(devices_raw, list) else []):
        memory = get(dev, "fb_memory_usage", "shared_fb_memory_usage") or {}
        sms = _int(get(dev, "device_attributes.shared.multiprocessor_count"))
        index = _int(dev.get("index"))
        index = position if index is None else index
        entry = by_index.get(index, {})
        na: dict[str, str] = {}
        if not entry:
            na["uuid"] = "not in this nvidia-smi -q output (nvidia-smi -L or NVML names it)"
        devices.append(
            {
                "index": index,
                "gpu_instance_id": _int(dev.get("gpu_instance_id")),
                "compute_instance_id": _int(dev.get("compute_instance_id")),
                "uuid": entry.get("uuid"),
                "profile": entry.get("profile"),
                "gpu_instance_profile": gi_profile(entry.get("profile")),
                "profile_source": LISTED_PROFILE if entry.get("profile") else None,
                "multiprocessor_count": sms,
                "memory_total_mib": _int(get(memory, "total")),
                "memory_used_mib": _int(get(memory, "used")),
                "memory_free_mib": _int(get(memory, "free")),
                "memory_reserved_mib": _int(get(memory, "reserved")),
                "na": na,
            }
        )
    if any(d["profile"] is None for d in devices):
        _derived_names([d for d in devices if d["profile"] is None])
    for dev in devices:
        if dev["profile"] is None:
            dev["na"]["profile"] = "NVIDIA's name is not available and cannot be derived"
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


def _event_counters(raw: Tree, b: GpuBuilder) -> dict[str, int | None] | None:
    """Time spent throttled per clock-event reason (µs since the driver loaded)."""
    section = get(raw, "clocks_event_reasons_counters")
    if not isinstance(section, dict):
        b.na["clock_event_counters_us"] = (
            reason_for(section) or Missing("not reported by this driver (before 550)")
        ).reason
        return None
    out: dict[str, int | None] = {}
    for key, paths in _EVENT_COUNTERS.items():
        out[key] = b.pick(
            f"clock_event_counters_us.{key}",
            *(f"clocks_event_reasons_counters.{p}" for p in paths),
            as_int=True,
        )
    return out


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


def _ecc_locations(section: Any, prefix: str = "") -> dict[str, int] | None:
    """ECC counters by location (``dram_uncorrectable``, ``sram_correctable``, …)."""
    if not isinstance(section, dict):
        return None
    out: dict[str, int] = {}
    for key, value in section.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_ecc_locations(value, f"{name}.") or {})
        elif "threshold" not in key and number(value) is not None:
            out[name] = int(number(value) or 0)
    return out or None


def _ecc(raw: Tree) -> dict[str, Any]:
    errors = get(raw, "ecc_errors")
    volatile = get(errors, "volatile") if isinstance(errors, dict) else None
    aggregate = get(errors, "aggregate") if isinstance(errors, dict) else None
    mode = get(raw, "ecc_mode.current_ecc", "ecc_mode.current")
    return {
        "mode": str(mode).strip().lower() if mode and not reason_for(mode) else None,
        "volatile": _ecc_locations(volatile),
        "aggregate": _ecc_locations(aggregate),
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


def gpu_from_tree(
    raw: Tree, index: int, timestamp: float, listed: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """One GPU of the snapshot model from its raw tree (``listed``: its ``-L`` MIG devices)."""
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
        {"profile": gpu["name"], **(licence or NO_LICENCE)}
        if gpu["virtualization_mode"] == "vgpu"
        else None
    )
    gpu["mig"] = _mig(raw, listed)
    gpu["memory"] = {
        "total_mib": b.pick("memory.total_mib", "fb_memory_usage.total", as_int=True),
        "used_mib": b.pick("memory.used_mib", "fb_memory_usage.used", as_int=True),
        # nvidia-smi's own Free: total - reserved - used (drivers >= 520 report Reserved).
        "free_mib": b.pick("memory.free_mib", "fb_memory_usage.free", as_int=True),
        "reserved_mib": b.pick("memory.reserved_mib", "fb_memory_usage.reserved", as_int=True),
    }
    gpu["utilization_gpu_percent"] = b.pick(
        "utilization_gpu_percent", "utilization.gpu_util", "utilization.gpu", as_int=True
    )
    gpu["utilization"] = {
        name: b.pick(
            f"utilization.{name}", f"utilization.{name}_util", f"utilization.{name}", as_int=True
        )
        for name in ("memory", "encoder", "decoder", "jpeg", "ofa")
    }
    if gpu["mig"]["enabled"]:
        for name in ("utilization_gpu_percent", *(f"utilization.{n}" for n in gpu["utilization"])):
            if name in b.na:
                b.na[name] = "not reported for the whole GPU in MIG mode"
    gpu["temperature_c"] = b.pick(
        "temperature_c", "temperature.gpu_temp", "temperature.gpu_current_temp", vgpu_zero=True
    )
    gpu["memory_temperature_c"] = b.pick(
        "memory_temperature_c",
        "temperature.memory_temp",
        "temperature.memory_current_temp",
        vgpu_zero=True,
    )
    gpu["fan_speed_percent"] = b.pick("fan_speed_percent", "fan_speed", as_int=True)
    gpu["pstate"] = b.text("pstate", "performance_state")
    gpu["compute_mode"] = b.text("compute_mode", "compute_mode")
    # Power: nvidia-smi's own figure (``power.draw``) is the average over the last second
    # on drivers that report both; we show that, and the instant reading when the average
    # is N/A (some GeForce/workstation cards on 5xx/6xx drivers). ``power.source`` says which.
    average, average_path = b.pick_from(
        "power.average_w",
        "gpu_power_readings.average_power_draw",
        "gpu_power_readings.power_draw",
        "power_readings.average_power_draw",
        "power_readings.power_draw",
    )
    instant = b.pick(
        "power.instant_w",
        "gpu_power_readings.instant_power_draw",
        "gpu_power_readings.instantaneous_power_draw",
        "power_readings.instant_power_draw",
        "power_readings.instantaneous_power_draw",
    )
    old_schema = average_path is not None and average_path.endswith(".power_draw")
    if average is not None:
        gpu["power_w"], source = average, "draw" if old_schema else "average"
    elif instant is not None:
        gpu["power_w"], source = instant, "instant"
    else:
        gpu["power_w"], source = None, None
        b.na["power_w"] = b.na.get("power.average_w") or b.na.get("power.instant_w") or "?"
    limits = {
        key: b.pick(
            f"power.{key}_limit_w", *(f"{sec}.{key}_power_limit" for sec in _POWER_SECTIONS)
        )
        for key in ("default", "min", "max", "requested")
    }
    gpu["power_limit_w"] = b.pick(
        "power_limit_w",
        "gpu_power_readings.current_power_limit",
        "gpu_power_readings.enforced_power_limit",
        "gpu_power_readings.power_limit",
        "power_readings.enforced_power_limit",
        "power_readings.power_limit",
    )
    gpu["power"] = {
        "source": source,
        "average_w": average if not old_schema else None,
        "instant_w": instant,
        **{f"{key}_limit_w": value for key, value in limits.items()},
    }
    if old_schema:
        b.na["power.average_w"] = "this driver reports one reading (power_draw) only"
    gpu["clocks"] = {
        "sm_mhz": b.pick("clocks.sm_mhz", "clocks.sm_clock", "clocks.sm", vgpu_zero=True),
        "mem_mhz": b.pick("clocks.mem_mhz", "clocks.mem_clock", "clocks.memory", vgpu_zero=True),
        "graphics_mhz": b.pick(
            "clocks.graphics_mhz", "clocks.graphics_clock", "clocks.graphics", vgpu_zero=True
        ),
        "video_mhz": b.pick(
            "clocks.video_mhz", "clocks.video_clock", "clocks.video", vgpu_zero=True
        ),
        "max_sm_mhz": b.pick(
            "clocks.max_sm_mhz", "max_clocks.sm_clock", "max_clocks.sm", vgpu_zero=True
        ),
        "max_mem_mhz": b.pick(
            "clocks.max_mem_mhz", "max_clocks.mem_clock", "max_clocks.memory", vgpu_zero=True
        ),
    }
    gpu["clock_event_counters_us"] = _event_counters(raw, b)
    gpu["energy_mj"] = None
    b.na["energy_mj"] = "nvidia-smi -q does not report the energy counter (NVML does)"
    gpu["clock_event_reasons"] = _active_reasons(raw)
    reasons = get(raw, "clocks_event_reasons", "clocks_throttle_reasons")
    if not isinstance(reasons, dict):
        b.na["clock_event_reasons"] = (reason_for(reasons) or Missing("not reported")).reason
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
    for scope in ("volatile", "aggregate"):
        if gpu["ecc"][scope] is None:
            b.na[f"ecc.{scope}"] = "no ECC counters reported (ECC off or not supported)"
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
    listing = tree.get("listing") or []
    gpus = []
    for i, raw in enumerate(tree.get("gpus", [])):
        uuid = str(get(raw, "uuid", "gpu_uuid") or "").strip()
        listed = next((g for g in listing if uuid and g.get("uuid") == uuid), None)
        if listed is None and len(listing) == len(tree.get("gpus", [])):
            listed = listing[i]  # masked or placeholder UUIDs: the same order
        gpus.append(gpu_from_tree(raw, i, timestamp, (listed or {}).get("mig")))
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
