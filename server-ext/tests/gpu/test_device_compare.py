"""scripts/gpu_compare.py, the device check's judge: NVML snapshot vs nvidia-smi snapshot."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest

from jupyter_workbench.gpu.health import with_health
from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.nvml import NvmlSource
from jupyter_workbench.gpu.parse import parse_any

from . import nvml_double as nd
from .gpu_fixtures import read

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "gpu_compare.py"


@pytest.fixture(scope="module")
def gpu_compare():
    spec = importlib.util.spec_from_file_location("gpu_compare", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "name",
    [
        "linux-x86_64__nvidia-h200__590.48.01.txt",
        "linux-x86_64__nvidia-h100-mig__590.48.01.txt",
        "tesla-t4.xml",
    ],
)
def test_nvml_and_nvidia_smi_paths_agree_on_a_real_capture(gpu_compare, name):
    from_file = with_health(snapshot_from_tree(parse_any(read(name)), "file", 0))
    from_nvml = with_health(NvmlSource(nd.NvmlDouble(copy.deepcopy(from_file))).sample())
    lines, bad = gpu_compare.compare(from_nvml, from_file)
    assert bad == 0, "\n".join(lines)
    assert not any(line.lstrip().startswith("BAD") for line in lines)


def test_one_edited_field_is_a_disagreement(gpu_compare):
    # Edit: memory.total_mib of the parsed H200 capture halved on one side.
    name = "linux-x86_64__nvidia-h200__590.48.01.txt"
    from_file = snapshot_from_tree(parse_any(read(name)), "file", 0)
    edited = copy.deepcopy(from_file)
    edited["gpus"][0]["memory"]["total_mib"] //= 2
    lines, bad = gpu_compare.compare(edited, from_file)
    assert bad == 1
    assert [line.strip()[:20] for line in lines if "BAD" in line] == ["BAD memory.total_mib"]


def test_main_reads_files_and_sets_the_exit_status(gpu_compare, tmp_path, capsys):
    import json

    snap = snapshot_from_tree(parse_any(read("tesla-t4.xml")), "file", 0)
    (tmp_path / "a.json").write_text(json.dumps(snap))
    (tmp_path / "b.json").write_text(json.dumps(snap))
    assert gpu_compare.main([str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 0
    assert "0 disagreement(s)" in capsys.readouterr().out
    assert gpu_compare.main([str(tmp_path / "a.json"), str(tmp_path / "missing.json")]) == 2


def test_new_static_facts_are_judged_and_derived_mig_names_only_reported(gpu_compare):
    h200_mig = (
        Path(__file__).parent.parent
        / "fixtures"
        / "nvidia_gpu_exporter"
        / "linux-x86_64__nvidia-h200-mig__590.48.01.txt"
    )
    tree = parse_any(h200_mig.read_text(encoding="utf-8"))
    named = snapshot_from_tree(tree, "file", 0)  # names from the capture's nvidia-smi -L
    from_nvml = NvmlSource(nd.NvmlDouble(copy.deepcopy(named))).sample()
    del tree["listing"]  # what a saved `-q -x` file gives: no names, derived ones
    from_file = snapshot_from_tree(tree, "file", 0)
    lines, bad = gpu_compare.compare(from_nvml, from_file)
    assert bad == 0, "\n".join(lines)
    assert any(line.strip().startswith("N/A mig.devices") for line in lines)
    # Edit: memory.reserved_mib of one side (a static fact now judged).
    edited = copy.deepcopy(from_file)
    edited["gpus"][0]["memory"]["reserved_mib"] += 2
    lines, bad = gpu_compare.compare(from_nvml, edited)
    assert [line.strip()[:23] for line in lines if "BAD" in line] == ["BAD memory.reserved_mib"]
