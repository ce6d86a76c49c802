"""Parser, model and health rules over every real capture, against golden JSON files.

Regenerate with WORKBENCH_UPDATE_GOLDEN=1 (then review the diff).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jupyter_workbench.gpu.health import with_health
from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.parse import parse_any

from .gpu_fixtures import fixture_files

GOLDEN = Path(__file__).parent / "golden"


def snapshot_of(path: Path, section: str = "load") -> dict:
    tree = parse_any(path.read_text(encoding="utf-8", errors="replace"), section)
    # Health is judged at the capture's own time (licence expiry is relative to it).
    return with_health(snapshot_from_tree(tree, "file", tree.get("timestamp_epoch") or 0.0))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_matches_golden(path):
    cases = {"load": snapshot_of(path)}
    if path.suffix == ".txt":
        cases["idle"] = snapshot_of(path, "idle")
    for section, snapshot in cases.items():
        golden = GOLDEN / f"{path.stem}.{section}.json"
        text = json.dumps(snapshot, indent=1, sort_keys=True) + "\n"
        if os.environ.get("WORKBENCH_UPDATE_GOLDEN") == "1" or not golden.exists():
            golden.write_text(text)
        assert json.loads(text) == json.loads(golden.read_text()), f"{golden.name} differs"


def test_every_fixture_is_covered():
    assert len(fixture_files()) == 17


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_no_fake_zeros_and_reasons_for_every_null(path):
    for gpu in snapshot_of(path)["gpus"]:
        for field in ("temperature_c", "power_w", "utilization_gpu_percent"):
            if gpu[field] is None:
                assert gpu["na"].get(field), f"{field} is null without a reason"
        if gpu["virtualization_mode"] == "vgpu":
            assert gpu["temperature_c"] is None
            assert "vGPU" in gpu["na"]["temperature_c"]


def test_vgpu_guest_profile_and_licence():
    snap = snapshot_of(next(p for p in fixture_files() if p.name == "tesla_p4.xml"))
    gpu = snap["gpus"][0]
    assert gpu["virtualization_mode"] == "vgpu"
    assert gpu["vgpu"]["profile"] == "GRID P4-1Q"
    assert gpu["vgpu"]["license_status"] == "Licensed"
    assert gpu["vgpu"]["license_expiry"] == "2022-09-22T06:57:30Z"
    assert gpu["clocks"]["sm_mhz"] is None and gpu["clocks"]["mem_mhz"] is None
    assert "vGPU" in gpu["na"]["clocks.sm_mhz"]


def test_mig_slices_of_the_h100_capture():
    path = next(p for p in fixture_files() if "h100-mig" in p.name)
    gpu = snapshot_of(path)["gpus"][0]
    assert gpu["mig"]["enabled"] is True
    assert [d["profile"] for d in gpu["mig"]["devices"]] == [
        "3g.40gb",
        "2g.20gb",
        "1g.10gb",
        "1g.10gb",
    ]
    assert gpu["utilization_gpu_percent"] is None
    assert "MIG" in gpu["na"]["utilization_gpu_percent"]


#: The snapshot's newer fields: every null among them has its reason in `na`.
NEW_FIELDS = [
    "memory.free_mib",
    "memory.reserved_mib",
    "utilization.memory",
    "utilization.encoder",
    "utilization.decoder",
    "utilization.jpeg",
    "utilization.ofa",
    "memory_temperature_c",
    "fan_speed_percent",
    "pstate",
    "power.average_w",
    "power.instant_w",
    "power.default_limit_w",
    "power.min_limit_w",
    "power.max_limit_w",
    "clocks.graphics_mhz",
    "clocks.video_mhz",
    "clocks.max_sm_mhz",
    "clocks.max_mem_mhz",
    "clock_event_counters_us",
    "energy_mj",
    "ecc.volatile",
]


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_new_fields_are_values_or_na_with_a_reason(path):
    for gpu in snapshot_of(path)["gpus"]:
        for field in NEW_FIELDS:
            node = gpu
            for part in field.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                assert gpu["na"].get(field), f"{field} is null without a reason"
        for dev in gpu["mig"]["devices"]:
            for key in ("uuid", "profile"):
                assert dev[key] is not None or dev["na"].get(key), key
