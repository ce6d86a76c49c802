"""The nvidia-smi fallback: full `-q -x` every slow interval, `--query-gpu` in between.

Real output: the `--query-gpu` CSV sections of the nvidia_gpu_exporter captures, and the
`-q -x` documents played by the labelled nvidia-smi TEST DOUBLE (tests/gpu/doubles).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.parse import capture_sections, parse_any
from jupyter_workbench.gpu.smi_query import QUERY, merge_fast, parse_query_csv
from jupyter_workbench.gpu.sources import NvidiaSmiSource

from .gpu_fixtures import GPU_FIXTURES, read

DOUBLE = Path(__file__).parent / "doubles" / "nvidia-smi"
H200 = "linux-x86_64__nvidia-h200__590.48.01.txt"
MIG = "linux-x86_64__nvidia-h100-mig__590.48.01.txt"


def capture_query(name: str, phase: str) -> list[dict[str, str]]:
    """The rows of a capture's real `--query-gpu --format=csv` section."""
    text = read(name)
    header = next(
        line for line in text.splitlines() if line.startswith("# $ nvidia-smi --query-gpu=")
    )
    fields = re.search(r"--query-gpu=(\S+)", header).group(1).split(",")
    body = capture_sections(text)[f"{phase} :: query-gpu (csv, what the exporter parses)"]
    return parse_query_csv(body, fields)


def test_real_query_csv_merged_into_the_idle_snapshot_gives_the_load_readings():
    idle = snapshot_from_tree(parse_any(read(H200), "idle"), "nvidia-smi", 0)
    rows = capture_query(H200, "load")
    merged = merge_fast(idle, rows, 123.0)
    gpu, row = merged["gpus"][0], rows[0]
    # The values of the real CSV (with units: "100 %", "627.40 W" …), now in the snapshot.
    assert gpu["utilization_gpu_percent"] == int(row["utilization.gpu"].split()[0]) == 100
    assert gpu["power_w"] == float(row["power.draw"].split()[0])
    assert gpu["memory"]["used_mib"] == int(row["memory.used"].split()[0])
    assert gpu["clocks"]["sm_mhz"] == float(row["clocks.current.sm"].split()[0])
    assert gpu["temperature_c"] == float(row["temperature.gpu"])
    # Static facts stay those of the full read; the original is not modified.
    assert gpu["uuid"] == idle["gpus"][0]["uuid"] and merged["timestamp"] == 123.0
    assert idle["gpus"][0]["utilization_gpu_percent"] != 100


def test_mig_utilization_from_the_csv_is_na_with_the_reason():
    idle = snapshot_from_tree(parse_any(read(MIG), "idle"), "nvidia-smi", 0)
    merged = merge_fast(idle, capture_query(MIG, "load"), 1.0)
    gpu = merged["gpus"][0]
    assert gpu["utilization_gpu_percent"] is None
    assert gpu["na"]["utilization_gpu_percent"] == "not reported for the whole GPU in MIG mode"
    assert gpu["memory"]["used_mib"] > idle["gpus"][0]["memory"]["used_mib"]


def test_other_gpus_than_the_full_read_are_refused():
    idle = snapshot_from_tree(parse_any(read(H200), "idle"), "nvidia-smi", 0)
    rows = capture_query(H200, "load")
    rows[0]["pci.bus_id"] = "00000000:99:00.0"  # edit: one field of the real row
    assert merge_fast(idle, rows, 1.0) is None


# ---------------------------------------------------------------- the source, on the double
@pytest.fixture
def smi(tmp_path, monkeypatch):
    """The double answering from a copy of the real tesla-t4.xml capture."""
    xml = tmp_path / "tesla-t4.xml"
    shutil.copy(GPU_FIXTURES / "nvidia-smi-xml" / "tesla-t4.xml", xml)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("NVSMI_DOUBLE_XML", str(xml))
    monkeypatch.setenv("NVSMI_DOUBLE_LOG", str(log))

    def calls() -> list[str]:
        return log.read_text().splitlines() if log.exists() else []

    def edit_temperature(celsius: int) -> None:
        # Edit: the one <gpu_temp> field of the real capture.
        text = xml.read_text()
        xml.write_text(
            re.sub(r"<gpu_temp>[^<]*</gpu_temp>", f"<gpu_temp>{celsius} C</gpu_temp>", text)
        )

    return calls, edit_temperature


def test_full_read_then_fast_queries_until_the_slow_interval(smi):
    calls, edit_temperature = smi
    source = NvidiaSmiSource(str(DOUBLE), timeout=10, slow_interval=0.6)
    first = source.sample()
    assert first["source"] == "nvidia-smi" and first["gpus"][0]["temperature_c"] == 40
    edit_temperature(71)
    second = source.sample()
    assert second["gpus"][0]["temperature_c"] == 71  # the fast path sees live readings
    assert second["gpus"][0]["name"] == first["gpus"][0]["name"]
    assert [c.split()[0] for c in calls()] == ["-q", f"--query-gpu={','.join(QUERY)}"]
    time.sleep(0.7)
    source.sample()
    assert calls()[-1] == "-q -x"  # a full read once the slow interval has passed


def test_an_nvidia_smi_that_refuses_the_query_gets_full_reads(smi, monkeypatch):
    calls, edit_temperature = smi
    monkeypatch.setenv("NVSMI_DOUBLE_NO_QUERY", "1")
    source = NvidiaSmiSource(str(DOUBLE), timeout=10, slow_interval=60)
    source.sample()
    edit_temperature(55)
    assert source.sample()["gpus"][0]["temperature_c"] == 55
    assert source.fast_query_works is False
    source.sample()
    assert [c.split()[0] for c in calls()] == ["-q", "--query-gpu=" + ",".join(QUERY), "-q", "-q"]


def test_no_nvidia_smi_is_a_clear_state():
    snap = NvidiaSmiSource("/nonexistent/nvidia-smi").sample()
    assert snap["status"] == "no-driver" and "cannot run nvidia-smi" in snap["message"]


def test_an_na_average_power_is_followed_by_the_instant_reading_on_the_fast_path(
    tmp_path, monkeypatch
):
    """Defect 1 on the live nvidia-smi path, through the labelled double."""
    # Edit: 3090-v13.xml, <gpu_power_readings><average_power_draw> → N/A.
    text = (GPU_FIXTURES / "nvidia-smi-xml" / "3090-v13.xml").read_text()
    text, count = re.subn(
        r"(<gpu_power_readings>.*?<average_power_draw>)[^<]*<",
        r"\g<1>N/A<",
        text,
        count=1,
        flags=re.S,
    )
    assert count == 1
    xml = tmp_path / "3090-v13.xml"
    xml.write_text(text)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("NVSMI_DOUBLE_XML", str(xml))
    monkeypatch.setenv("NVSMI_DOUBLE_LOG", str(log))
    source = NvidiaSmiSource(str(DOUBLE), timeout=10, slow_interval=60)
    first = source.sample()["gpus"][0]
    assert first["power"]["source"] == "instant" and first["power_w"] == 35.15
    # A new instant reading (edit: the same document's <instant_power_draw> → 41.25 W).
    xml.write_text(
        re.sub(r"<instant_power_draw>[^<]*<", "<instant_power_draw>41.25 W<", text, count=1)
    )
    second = source.sample()["gpus"][0]
    assert log.read_text().splitlines()[-1].split()[0].endswith("power.draw.instant")
    assert second["power_w"] == 41.25 and second["power"]["source"] == "instant"
    assert "power_w" not in second["na"] and second["na"]["power.average_w"]


def test_mig_names_come_from_nvidia_smi_l_on_the_live_path(tmp_path, monkeypatch):
    """`-q -x` has no MIG names or UUIDs: the source asks `nvidia-smi -L` when MIG is on."""
    mig = GPU_FIXTURES / "nvidia-smi-captures" / "linux-x86_64__nvidia-h100-mig__590.48.01.txt"
    listing = tmp_path / "list.txt"
    listing.write_text(capture_sections(mig.read_text())["capabilities :: list (-L)"])
    # Edit: a100-sxm4-v12.xml (MIG on, 4 devices), its <uuid> → the H100 capture's masked
    # UUID, so the real `-L` of the H100 MIG capture (4 devices) describes this document.
    text = (GPU_FIXTURES / "nvidia-smi-xml" / "a100-sxm4-v12.xml").read_text()
    text, count = re.subn(
        r"<uuid>GPU-[^<]*</uuid>",
        "<uuid>GPU-00000000-0000-0000-0000-000000000000</uuid>",
        text,
        count=1,
    )
    assert count == 1
    xml = tmp_path / "a100.xml"
    xml.write_text(text)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("NVSMI_DOUBLE_XML", str(xml))
    monkeypatch.setenv("NVSMI_DOUBLE_LOG", str(log))
    monkeypatch.setenv("NVSMI_DOUBLE_LIST", str(listing))
    devices = NvidiaSmiSource(str(DOUBLE), timeout=10).sample()["gpus"][0]["mig"]["devices"]
    assert log.read_text().splitlines() == ["-q -x", "-L"]
    assert [d["profile_source"] for d in devices] == ["nvidia-smi -L"] * 4
    assert devices[3]["uuid"] == "MIG-00000003-0000-0000-0000-000000000003"
    # Without MIG names from -L (an -L that lists the GPU only), they are derived, and say so.
    monkeypatch.delenv("NVSMI_DOUBLE_LIST")
    devices = NvidiaSmiSource(str(DOUBLE), timeout=10).sample()["gpus"][0]["mig"]["devices"]
    assert all(d["profile_source"].startswith("derived") for d in devices)


def test_no_listing_without_mig(smi):
    calls, _ = smi
    NvidiaSmiSource(str(DOUBLE), timeout=10).sample()
    assert calls() == ["-q -x"]
