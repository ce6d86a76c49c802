"""``jupyter workbench gpu``: the GPU snapshot and health verdict on the command line.

    jupyter workbench gpu                      # the live system (NVML, else nvidia-smi)
    jupyter workbench gpu --nvidia-smi-xml F   # a saved `nvidia-smi -q -x` file (or capture)
    jupyter workbench gpu --json               # machine-readable, the API's snapshot shape

Exit status: 0 every GPU ok; 1 a GPU degraded, critical or unknown; 2 bad arguments or an
unreadable file; 3 no driver or no GPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any  # Any: snapshots are JSON-like trees

from .health import with_health
from .model import snapshot_from_tree
from .parse import parse_any
from .prometheus import number_text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter workbench gpu", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--nvidia-smi-xml",
        metavar="FILE",
        help="read a saved `nvidia-smi -q -x` file (or an nvidia_gpu_exporter "
        "capture) instead of the live system",
    )
    parser.add_argument(
        "--capture-section",
        choices=["idle", "load"],
        default="load",
        help="which part of a capture file to read (default: load)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _value(gpu: dict[str, Any], field: str, value: Any, unit: str = "") -> str:
    if value is None:
        return f"N/A ({gpu.get('na', {}).get(field, 'unknown')})"
    if isinstance(value, (int, float)):
        return f"{number_text(value)}{unit}"  # exact: 1234567, not 1.23457e+06
    return f"{value}{unit}"


def render_text(snapshot: dict[str, Any]) -> str:
    """A human-readable report."""
    lines = [
        f"source: {snapshot['source']}   driver: {snapshot.get('driver_version') or 'N/A'}"
        f"   CUDA: {snapshot.get('cuda_version') or 'N/A'}"
    ]
    if not snapshot["gpus"]:
        lines.append(f"{snapshot['status']}: {snapshot.get('message')}")
    for gpu in snapshot["gpus"]:
        health = gpu["health"]
        lines.append("")
        lines.append(f"GPU {gpu['index']}: {gpu['name']}  [{health['verdict'].upper()}]")
        lines.append(
            f"  uuid {gpu['uuid']}  bus {gpu['pci_bus_id']}  "
            f"virtualization {gpu['virtualization_mode']}"
        )
        if gpu.get("vgpu"):
            v = gpu["vgpu"]
            lines.append(
                f"  vGPU profile {v['profile']}  licence {v.get('license_status')}"
                f"  expiry {v.get('license_expiry')}"
            )
        mem = gpu["memory"]
        lines.append(
            f"  memory {_value(gpu, 'memory.used_mib', mem['used_mib'])} / "
            f"{_value(gpu, 'memory.total_mib', mem['total_mib'], ' MiB')}"
            f"  free {_value(gpu, 'memory.free_mib', mem.get('free_mib'), ' MiB')}"
            f"  reserved {_value(gpu, 'memory.reserved_mib', mem.get('reserved_mib'), ' MiB')}"
        )
        util = _value(gpu, "utilization_gpu_percent", gpu["utilization_gpu_percent"], " %")
        engines = gpu.get("utilization") or {}
        lines.append(
            f"  utilization {util}"
            f"  encoder {_value(gpu, 'utilization.encoder', engines.get('encoder'), ' %')}"
            f"  decoder {_value(gpu, 'utilization.decoder', engines.get('decoder'), ' %')}"
        )
        power = gpu.get("power") or {}
        which = f" ({power['source']})" if power.get("source") else ""
        lines.append(
            f"  temperature {_value(gpu, 'temperature_c', gpu['temperature_c'], ' C')}"
            f"  memory {_value(gpu, 'memory_temperature_c', gpu.get('memory_temperature_c'), ' C')}"
            f"  power {_value(gpu, 'power_w', gpu['power_w'], ' W')}{which}"
            f"  limit {_value(gpu, 'power_limit_w', gpu['power_limit_w'], ' W')}"
        )
        lines.append(
            f"  pstate {_value(gpu, 'pstate', gpu.get('pstate'))}"
            f"  fan {_value(gpu, 'fan_speed_percent', gpu.get('fan_speed_percent'), ' %')}"
        )
        if gpu["mig"]["enabled"]:
            for dev in gpu["mig"]["devices"]:
                source = dev.get("profile_source") or ""
                named = " (derived)" if source.startswith("derived") else ""
                lines.append(
                    f"  MIG {dev['index']}: {dev.get('profile') or '?'}{named}"
                    f"  GPU instance {dev.get('gpu_instance_id')}"
                    f"  {dev.get('memory_used_mib')} / {dev.get('memory_total_mib')} MiB"
                    f"  {dev.get('uuid') or ''}".rstrip()
                )
        for proc in gpu.get("processes", []):
            lines.append(
                f"  process {proc['pid']} {proc.get('name') or ''}"
                f" {proc.get('used_memory_mib') or 'N/A'} MiB"
            )
        for item in health["findings"]:
            lines.append(f"  {item['severity'].upper()}: {item['message']} — {item['advice']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.nvidia_smi_xml:
        try:
            with open(args.nvidia_smi_xml, encoding="utf-8", errors="replace") as handle:
                tree = parse_any(handle.read(), args.capture_section)
        except (OSError, ValueError) as err:
            print(f"jupyter workbench gpu: {err}", file=sys.stderr)
            return 2
        timestamp = tree.get("timestamp_epoch") or time.time()
        snapshot = snapshot_from_tree(tree, "file", timestamp)
    else:
        from .sources import auto_source

        snapshot = auto_source().sample()
    with_health(snapshot)
    if args.json:
        print(json.dumps(snapshot, indent=2))
    else:
        print(render_text(snapshot))
    if not snapshot["gpus"]:
        return 3
    return 0 if all(g["health"]["verdict"] == "ok" for g in snapshot["gpus"]) else 1
