"""``jupyter workbench gpu``: exit codes, JSON and text over real captures."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from jupyter_workbench.gpu.cli import main

from .gpu_fixtures import GPU_FIXTURES, read

T4 = GPU_FIXTURES / "nvidia-smi-xml" / "tesla-t4.xml"
H200 = GPU_FIXTURES / "nvidia-smi-captures" / "linux-x86_64__nvidia-h200__590.48.01.txt"


def test_healthy_file_exits_0_with_a_table(capsys):
    assert main(["--nvidia-smi-xml", str(T4)]) == 0
    out = capsys.readouterr().out
    assert "GPU 0: Tesla T4  [OK]" in out and "memory" in out


def test_capture_sections_and_json(capsys):
    assert main(["--nvidia-smi-xml", str(H200), "--capture-section", "idle", "--json"]) == 0
    idle = json.loads(capsys.readouterr().out)
    assert main(["--nvidia-smi-xml", str(H200), "--json"]) == 0
    load = json.loads(capsys.readouterr().out)
    assert idle["gpus"][0]["utilization_gpu_percent"] < load["gpus"][0]["utilization_gpu_percent"]
    assert load["gpus"][0]["health"]["verdict"] == "ok"


def test_critical_gpu_exits_1(tmp_path, capsys):
    # Edit: tesla-t4.xml, the first <volatile> <dram_uncorrectable> 0 → 2.
    text, count = re.subn(
        r"(<volatile>.*?<dram_uncorrectable>)0(</dram_uncorrectable>)",
        r"\g<1>2\g<2>",
        read("tesla-t4.xml"),
        count=1,
        flags=re.S,
    )
    assert count == 1
    faulty = tmp_path / "t4-ecc.xml"
    faulty.write_text(text)
    assert main(["--nvidia-smi-xml", str(faulty)]) == 1
    assert "CRITICAL" in capsys.readouterr().out


def test_bad_arguments_and_unreadable_files_exit_2(tmp_path, capsys):
    assert main(["--nvidia-smi-xml", str(tmp_path / "missing.xml")]) == 2
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    assert main(["--nvidia-smi-xml", str(junk)]) == 2
    try:
        main(["--capture-section", "busy"])
    except SystemExit as exit_:
        assert exit_.code == 2
    else:
        raise AssertionError("argparse accepted a bad section")


def test_live_system_without_a_driver_exits_3():
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_workbench.cli", "gpu", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode == 3:  # this machine: no NVIDIA driver
        snap = json.loads(proc.stdout)
        assert snap["status"] in {"no-driver", "no-gpu"} and snap["message"]
    else:  # a machine with a GPU
        assert proc.returncode in {0, 1}, proc.stderr
    assert "Traceback" not in proc.stderr
