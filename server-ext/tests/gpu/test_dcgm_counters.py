"""Our metric names, types and units against dcgm-exporter's default counters.

tests/fixtures/dcgm-exporter/default-counters.csv is dcgm-exporter's own list (Apache-2.0).
Every counter it enables by default is either served by us under the same name, type and
help text (which carries the unit), or listed in ``NOT_SERVED`` with the reason.
"""

from __future__ import annotations

import csv
from pathlib import Path

from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.parse import parse_any
from jupyter_workbench.gpu.prometheus import METRICS, render

from .gpu_fixtures import read

COUNTERS = Path(__file__).parent.parent / "fixtures" / "dcgm-exporter" / "default-counters.csv"
#: Default counters we cannot serve, and why (docs/admin/gpu-metrics.md says the same).
NOT_SERVED = {
    "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL": "NVLink counters are not read (nvidia-smi -q has none)",
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": "DCGM profiling metric: neither NVML nor nvidia-smi has it",
    "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE": "DCGM profiling metric: neither NVML nor nvidia-smi has it",
    "DCGM_FI_PROF_DRAM_ACTIVE": "DCGM profiling metric: neither NVML nor nvidia-smi has it",
    "DCGM_FI_PROF_PCIE_TX_BYTES": "DCGM profiling metric: neither NVML nor nvidia-smi has it",
    "DCGM_FI_PROF_PCIE_RX_BYTES": "DCGM profiling metric: neither NVML nor nvidia-smi has it",
}


def default_counters() -> list[tuple[str, str, str]]:
    rows = []
    with COUNTERS.open() as handle:
        for row in csv.reader(handle):
            if not row or row[0].lstrip().startswith("#"):
                continue
            name, kind, help_text = (cell.strip() for cell in row[:3])
            rows.append((name, kind, help_text))
    return rows


def test_default_counters_are_served_with_the_same_name_type_and_unit() -> None:
    ours = {name: (kind, help_text) for name, kind, help_text, *_ in METRICS}
    rows = default_counters()
    assert len(rows) == 26
    served = 0
    for name, kind, help_text in rows:
        if kind == "label":
            continue
        if name in NOT_SERVED:
            assert name not in ours
            continue
        assert name in ours, f"{name} is neither served nor listed as not served"
        assert ours[name] == (kind, help_text), name
        served += 1
    assert served == 19


def test_the_driver_version_label_is_on_every_series() -> None:
    labels = [name for name, kind, _ in default_counters() if kind == "label"]
    assert labels == ["DCGM_FI_DRIVER_VERSION"]
    snapshot = snapshot_from_tree(parse_any(read("tesla-t4.xml")), "file", 0)
    samples = [line for line in render(snapshot, "h").splitlines() if not line.startswith("#")]
    assert samples
    assert all('DCGM_FI_DRIVER_VERSION="515.105.01"' in line for line in samples)
