#!/usr/bin/env python3
"""Compare two GPU snapshots (``jupyter workbench gpu --json``): live NVML vs nvidia-smi.

Used by scripts/gpu-device-check.sh on a real GPU machine: the snapshot our NVML path
produced and the one parsed from ``nvidia-smi -q -x`` saved a moment later must agree on
every static fact (name, UUID, bus id, virtualization, memory size, MIG layout, driver)
and, within a tolerance, on live readings (temperature, power, memory used). A field that
is a value on one side and N/A on the other is listed, because every N/A must be earned.

    python3 scripts/gpu_compare.py nvml.json nvidia-smi.json

Prints one line per field; exit status 1 when a static fact differs or a live reading is
outside its tolerance, 2 on unreadable input.
"""

from __future__ import annotations

import json
import sys
from typing import Any

#: (label, path in the GPU dict) of facts that must be identical.
STATIC = [
    ("name", ("name",)),
    ("uuid", ("uuid",)),
    ("pci_bus_id", ("pci_bus_id",)),
    ("virtualization_mode", ("virtualization_mode",)),
    ("memory.total_mib", ("memory", "total_mib")),
    ("mig.enabled", ("mig", "enabled")),
    ("power_limit_w", ("power_limit_w",)),
    ("pcie.gen_max", ("pcie", "gen_max")),
    ("pcie.width_max", ("pcie", "width_max")),
    ("memory.reserved_mib", ("memory", "reserved_mib")),
    ("power.default_limit_w", ("power", "default_limit_w")),
    ("power.min_limit_w", ("power", "min_limit_w")),
    ("power.max_limit_w", ("power", "max_limit_w")),
    ("clocks.max_sm_mhz", ("clocks", "max_sm_mhz")),
    ("clocks.max_mem_mhz", ("clocks", "max_mem_mhz")),
    ("compute_mode", ("compute_mode",)),
]
#: (label, path, absolute tolerance, relative tolerance) of live readings.
LIVE = [
    ("temperature_c", ("temperature_c",), 5.0, 0.0),
    ("power_w", ("power_w",), 30.0, 0.25),
    ("memory.used_mib", ("memory", "used_mib"), 512.0, 0.1),
    ("memory.free_mib", ("memory", "free_mib"), 512.0, 0.1),
]
#: Reported, never judged: they change from one moment to the next.
INFO = [
    ("utilization_gpu_percent", ("utilization_gpu_percent",)),
    ("clocks.sm_mhz", ("clocks", "sm_mhz")),
    ("pstate", ("pstate",)),
    ("power.source", ("power", "source")),
    ("health.verdict", ("health", "verdict")),
]


def _get(gpu: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = gpu
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _norm(label: str, value: Any) -> Any:
    if label == "pci_bus_id" and isinstance(value, str):
        return value.upper()[-12:]  # 8- or 4-digit domain: compare bus:device.function
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def compare(a: dict[str, Any], b: dict[str, Any]) -> tuple[list[str], int]:
    """Lines of the report and the number of disagreements that count."""
    lines: list[str] = []
    bad = 0
    for key in ("driver_version", "cuda_version"):
        same = a.get(key) == b.get(key)
        bad += not same
        lines.append(f"{'ok ' if same else 'BAD'} {key}: {a.get(key)!r} vs {b.get(key)!r}")
    gpus_a = {_norm("pci_bus_id", g.get("pci_bus_id")): g for g in a.get("gpus", [])}
    gpus_b = {_norm("pci_bus_id", g.get("pci_bus_id")): g for g in b.get("gpus", [])}
    if set(gpus_a) != set(gpus_b):
        lines.append(f"BAD GPUs: {sorted(gpus_a)} vs {sorted(gpus_b)}")
        bad += 1
    for bus in sorted(set(gpus_a) & set(gpus_b)):
        ga, gb = gpus_a[bus], gpus_b[bus]
        lines.append(f"GPU {bus} ({ga.get('name')})")
        for label, path in STATIC:
            va, vb = _norm(label, _get(ga, path)), _norm(label, _get(gb, path))
            if va == vb:
                lines.append(f"  ok  {label}: {va!r}")
            elif va is None or vb is None:
                lines.append(f"  N/A {label}: {va!r} vs {vb!r} (one side not available)")
            else:
                lines.append(f"  BAD {label}: {va!r} vs {vb!r}")
                bad += 1
        ma = [d.get("profile") for d in _get(ga, ("mig", "devices")) or []]
        mb = [d.get("profile") for d in _get(gb, ("mig", "devices")) or []]
        derived = any(
            str(d.get("profile_source") or "").startswith("derived")
            for g in (ga, gb)
            for d in _get(g, ("mig", "devices")) or []
        )
        same = sorted(map(str, ma)) == sorted(map(str, mb))
        if not same and derived and len(ma) == len(mb):
            # A saved `-q -x` has no MIG names (nvidia-smi -L has them): derived names are
            # reported, not judged.
            lines.append(f"  N/A mig.devices: {ma} vs {mb} (names derived on one side)")
        else:
            bad += not same
            lines.append(f"  {'ok ' if same else 'BAD'} mig.devices: {ma} vs {mb}")
        for label, path, absolute, relative in LIVE:
            va, vb = _get(ga, path), _get(gb, path)
            if va is None or vb is None:
                lines.append(f"  N/A {label}: {va!r} vs {vb!r}")
                continue
            allowed = max(absolute, relative * max(abs(va), abs(vb)))
            close = abs(va - vb) <= allowed
            bad += not close
            lines.append(
                f"  {'ok ' if close else 'BAD'} {label}: {va} vs {vb} (tolerance {allowed:g})"
            )
        for label, path in INFO:
            lines.append(f"  --  {label}: {_get(ga, path)!r} vs {_get(gb, path)!r}")
    return lines, bad


def main(argv: list[str]) -> int:
    """Compare the two files named in ``argv``."""
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    try:
        first, second = (json.load(open(path, encoding="utf-8")) for path in argv)
    except (OSError, ValueError) as err:
        print(f"gpu_compare: {err}", file=sys.stderr)
        return 2
    lines, bad = compare(first, second)
    print("\n".join(lines))
    print(f"{bad} disagreement(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
