"""Parity with nvidia_gpu_exporter's own expected outputs for the same real captures.

nvidia_gpu_exporter reads each capture's ``--query-gpu`` CSV; its expected Prometheus output
for the idle and load parts is in tests/fixtures/nvidia_gpu_exporter/expected (MIT). We read
the same capture as our nvidia-smi source does: the full ``-q`` of that part, with the fast
``--query-gpu`` readings of the same CSV merged in (jupyter_workbench.gpu.smi_query). Every
mapped value must agree (their units: bytes, Hz and ratios; ours: MiB, MHz and percent).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.parse import capture_sections, parse_any
from jupyter_workbench.gpu.smi_query import merge_fast, parse_query_csv

from .gpu_fixtures import fixture_files

HERE = Path(__file__).parent.parent / "fixtures" / "nvidia_gpu_exporter"
MIB = 1024 * 1024
Gpu = dict[str, Any]


def captures() -> list[Path]:
    ours = [p for p in fixture_files() if p.suffix == ".txt"]
    return [*ours, HERE / "linux-x86_64__nvidia-h200-mig__590.48.01.txt"]


def scaled(factor: float, *keys: str) -> Callable[[Gpu], Any]:
    def value(gpu: Gpu) -> Any:
        node: Any = gpu
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        return None if node is None else node * factor

    return value


#: Their metric → our value in their unit (None: we have no value, they must have none).
FIELDS: dict[str, Callable[[Gpu], Any]] = {
    "nvidia_smi_memory_total_bytes": scaled(MIB, "memory", "total_mib"),
    "nvidia_smi_memory_reserved_bytes": scaled(MIB, "memory", "reserved_mib"),
    "nvidia_smi_memory_used_bytes": scaled(MIB, "memory", "used_mib"),
    "nvidia_smi_power_draw_watts": scaled(1, "power_w"),
    "nvidia_smi_enforced_power_limit_watts": scaled(1, "power_limit_w"),
    "nvidia_smi_power_default_limit_watts": scaled(1, "power", "default_limit_w"),
    "nvidia_smi_power_min_limit_watts": scaled(1, "power", "min_limit_w"),
    "nvidia_smi_power_max_limit_watts": scaled(1, "power", "max_limit_w"),
    "nvidia_smi_temperature_gpu": scaled(1, "temperature_c"),
    "nvidia_smi_utilization_gpu_ratio": scaled(0.01, "utilization_gpu_percent"),
    "nvidia_smi_clocks_current_sm_clock_hz": scaled(1e6, "clocks", "sm_mhz"),
    "nvidia_smi_clocks_current_memory_clock_hz": scaled(1e6, "clocks", "mem_mhz"),
    "nvidia_smi_clocks_max_sm_clock_hz": scaled(1e6, "clocks", "max_sm_mhz"),
    "nvidia_smi_clocks_max_memory_clock_hz": scaled(1e6, "clocks", "max_mem_mhz"),
    "nvidia_smi_pcie_link_gen_max": scaled(1, "pcie", "gen_max"),
    "nvidia_smi_pcie_link_width_max": scaled(1, "pcie", "width_max"),
    "nvidia_smi_remapped_rows_correctable": scaled(1, "remapped_rows", "correctable"),
    "nvidia_smi_remapped_rows_uncorrectable": scaled(1, "remapped_rows", "uncorrectable"),
    "nvidia_smi_ecc_errors_uncorrected_volatile_total": scaled(1, "ecc", "volatile_uncorrected"),
    "nvidia_smi_ecc_errors_uncorrected_aggregate_total": scaled(1, "ecc", "aggregate_uncorrected"),
}


def their_values(path: Path, phase: str) -> dict[str, float]:
    name = path.name.removesuffix(".txt")
    text = (HERE / "expected" / f"{name}__{phase}.metrics").read_text()
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in FIELDS:
                out[sample.name] = float(sample.value)
    return out


def our_gpu(path: Path, phase: str) -> Gpu:
    """The capture as our nvidia-smi source sees it: `-q`, then the fast CSV merged in."""
    text = path.read_text(encoding="utf-8", errors="replace")
    full = snapshot_from_tree(parse_any(text, phase), "nvidia-smi", 0)
    header = next(
        line for line in text.splitlines() if line.startswith("# $ nvidia-smi --query-gpu=")
    )
    fields = re.search(r"--query-gpu=(\S+)", header).group(1).split(",")  # type: ignore[union-attr]
    rows = parse_query_csv(
        capture_sections(text)[f"{phase} :: query-gpu (csv, what the exporter parses)"], fields
    )
    merged = merge_fast(full, rows, 0)
    assert merged is not None
    return merged["gpus"][0]


def close(ours: float, theirs: float) -> bool:
    return abs(ours - theirs) <= 1e-9 * max(1.0, abs(theirs))


@pytest.mark.parametrize("phase", ["idle", "load"])
@pytest.mark.parametrize("path", captures(), ids=lambda p: p.name)
def test_values_agree_with_nvidia_gpu_exporter(path: Path, phase: str) -> None:
    theirs = their_values(path, phase)
    gpu = our_gpu(path, phase)
    compared = 0
    for metric, read in FIELDS.items():
        ours = read(gpu)
        if metric not in theirs:
            assert ours is None, f"{metric}: only we report {ours}"
            continue
        assert ours is not None, f"{metric}: they report {theirs[metric]}, we have N/A"
        assert close(float(ours), theirs[metric]), f"{metric}: ours {ours}, theirs {theirs[metric]}"
        compared += 1
    assert compared >= 12, compared
    # MIG: neither reports whole-GPU utilisation.
    if gpu["mig"]["enabled"]:
        assert gpu["utilization_gpu_percent"] is None
        assert "nvidia_smi_utilization_gpu_ratio" not in theirs
