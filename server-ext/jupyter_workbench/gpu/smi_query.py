"""The nvidia-smi fallback's fast path: ``--query-gpu`` CSV between full ``-q -x`` reads.

Without NVML, the sampler still splits its work like the NVML path: the full
``nvidia-smi -q -x`` (static facts, ECC, licence, processes, …) every ``slow_interval``,
and in between only the fast metrics through ``nvidia-smi --query-gpu=<FAST_FIELDS>
--format=csv,noheader,nounits``, which costs a fraction of a full query. The fast rows are
merged into a copy of the last full snapshot, matched by PCI bus id.
"""

from __future__ import annotations

import copy
import csv
import io
from typing import Any  # Any: parsed rows are JSON-like

from .model import NOT_MEANINGFUL_VGPU, number, reason_for

#: Queried fields, in order: (nvidia-smi field, snapshot path, integer?, vGPU 0 is N/A?).
#: All of them exist since driver 418.
FAST_FIELDS: list[tuple[str, tuple[str, ...], bool, bool]] = [
    ("utilization.gpu", ("utilization_gpu_percent",), True, False),
    ("memory.used", ("memory", "used_mib"), True, False),
    ("temperature.gpu", ("temperature_c",), False, True),
    ("power.draw", ("power_w",), False, False),
    ("clocks.sm", ("clocks", "sm_mhz"), False, True),
    ("clocks.mem", ("clocks", "mem_mhz"), False, True),
]
#: The instant power reading (drivers ≥ 530), queried only where the average is N/A.
INSTANT = ("power.draw.instant", ("power", "instant_w"), False, False)
#: The first column identifies the GPU.
QUERY = ["pci.bus_id", *(field for field, *_ in FAST_FIELDS)]


def query_fields(instant: bool = False) -> list[str]:
    """The fast query's fields; with the instant power reading when ``instant``."""
    return [*QUERY, INSTANT[0]] if instant else list(QUERY)


def wants_instant(snapshot: dict[str, Any]) -> bool:
    """Whether a GPU of the full read shows the instant power (its average is N/A)."""
    return any((g.get("power") or {}).get("source") == "instant" for g in snapshot.get("gpus", []))


#: Canonical names of the short field names above (what other tools' queries use).
ALIASES = {"clocks.sm": "clocks.current.sm", "clocks.mem": "clocks.current.memory"}


def query_argv(executable: str, fields: list[str] | None = None) -> list[str]:
    """The fast query's command line."""
    fields = fields or QUERY
    return [executable, f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits"]


def bus_key(bus_id: str | None) -> str | None:
    """``00000000:0C:00.0`` and ``0000:0c:00.0`` → ``0C:00.0`` (domain widths differ)."""
    if not bus_id:
        return None
    return ":".join(bus_id.strip().upper().split(":")[-2:])


def parse_query_csv(text: str, fields: list[str]) -> list[dict[str, str]]:
    """Rows of ``--query-gpu`` CSV output as ``{field: raw value}``, by column position.

    A header line (``--format=csv`` without ``noheader``) is skipped; units in values
    (``--format=csv`` without ``nounits``: ``"432.21 W"``) are left for :func:`number`.
    """
    rows: list[dict[str, str]] = []
    for record in csv.reader(io.StringIO(text), skipinitialspace=True):
        if not record or not any(cell.strip() for cell in record):
            continue
        if record[0].strip() == fields[0] or record[0].strip().startswith(fields[0] + " ["):
            continue  # the header
        if len(record) != len(fields):
            raise ValueError(f"expected {len(fields)} columns, got {len(record)}")
        rows.append({name: value.strip() for name, value in zip(fields, record)})
    return rows


def _set(gpu: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = gpu
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def merge_fast(
    snapshot: dict[str, Any], rows: list[dict[str, str]], timestamp: float
) -> dict[str, Any] | None:
    """A copy of ``snapshot`` with the fast fields of ``rows``; ``None`` if the GPUs differ."""
    by_bus = {bus_key(row.get("pci.bus_id")): row for row in rows}
    gpus = snapshot.get("gpus", [])
    if len(by_bus) != len(gpus) or any(bus_key(g.get("pci_bus_id")) not in by_bus for g in gpus):
        return None
    merged = copy.deepcopy(snapshot)
    merged["timestamp"] = timestamp
    for gpu in merged["gpus"]:
        row = by_bus[bus_key(gpu.get("pci_bus_id"))]
        na = gpu.setdefault("na", {})
        vgpu = gpu.get("virtualization_mode") == "vgpu"
        fast = [*FAST_FIELDS, INSTANT] if INSTANT[0] in row else FAST_FIELDS
        for field, path, as_int, vgpu_zero in fast:
            label = ".".join(path)
            raw = row.get(field, row.get(ALIASES.get(field, field)))
            missing = reason_for(raw)
            value = None if missing else number(raw)
            if missing:
                na[label] = missing.reason
            elif value is None:
                na[label] = f"unreadable value {str(raw)[:40]!r}"
            elif vgpu_zero and vgpu and value == 0:
                na[label] = NOT_MEANINGFUL_VGPU
                value = None
            else:
                na.pop(label, None)
                value = int(value) if as_int else value
            if label == "utilization_gpu_percent" and value is None and gpu["mig"]["enabled"]:
                na[label] = "not reported for the whole GPU in MIG mode"
            _set(gpu, path, value)
        _power_fallback(gpu, na, fresh_instant=INSTANT[0] in row)
    return merged


def _power_fallback(gpu: dict[str, Any], na: dict[str, str], fresh_instant: bool) -> None:
    """``power.draw`` is the average: N/A there, the instant reading of the same query is
    shown, as the full read does (never the full read's older instant reading)."""
    power = gpu.get("power")
    if not isinstance(power, dict):
        return
    if gpu.get("power_w") is not None:
        if power.get("source") in ("average", "instant"):
            power["average_w"], power["source"] = gpu["power_w"], "average"
        return
    if fresh_instant and power.get("instant_w") is not None:
        gpu["power_w"], power["source"], power["average_w"] = power["instant_w"], "instant", None
        na["power.average_w"] = na.pop("power_w", "not available on this GPU")
