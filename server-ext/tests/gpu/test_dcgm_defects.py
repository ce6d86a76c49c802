"""Issue 12's defects 1 to 6, each on a real capture (a fault is ONE edited field, named).

The exposition is read back with prometheus_client's own text parser.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from jupyter_workbench.gpu import cli
from jupyter_workbench.gpu.health import with_health
from jupyter_workbench.gpu.model import DERIVED_PROFILE, snapshot_from_tree
from jupyter_workbench.gpu.parse import parse_any
from jupyter_workbench.gpu.prometheus import render

from .gpu_fixtures import fixture_files, read

H100 = "linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt"
MIG = "linux-x86_64__nvidia-h100-mig__590.48.01.txt"
#: A real H200 in MIG mode, one GPU instance holding two compute instances (see its SOURCES).
H200_MIG = (
    Path(__file__).parent.parent
    / "fixtures"
    / "nvidia_gpu_exporter"
    / "linux-x86_64__nvidia-h200-mig__590.48.01.txt"
)
H200 = "linux-x86_64__nvidia-h200__590.48.01.txt"


def snap(text: str, section: str = "load") -> dict:
    return with_health(snapshot_from_tree(parse_any(text, section), "file", 0))


def samples(snapshot: dict) -> list[tuple[str, dict, float]]:
    """Every sample of the exposition, as parsed by the Prometheus client library."""
    out = []
    for family in text_string_to_metric_families(render(snapshot, "host")):
        for sample in family.samples:
            # The client library's parser names counter samples ``<name>_total``.
            name = sample.name
            if family.type == "counter" and name == f"{family.name}_total":
                name = family.name
            out.append((name, sample.labels, sample.value))
    return out


def series(snapshot: dict, name: str) -> list[tuple[dict, float]]:
    return [(labels, value) for n, labels, value in samples(snapshot) if n == name]


def edit_once(text: str, pattern: str, replacement: str) -> str:
    edited, count = re.subn(pattern, replacement, text, count=1, flags=re.S)
    assert count == 1, f"pattern {pattern!r} not found"
    return edited


# ------------------------------------------------------------------ 1. power
def test_1_power_falls_back_to_the_instant_reading_when_the_average_is_na():
    # Edit: 3090-v13.xml, <gpu_power_readings><average_power_draw> 35.06 W → N/A (as some
    # GeForce/workstation cards on 5xx/6xx drivers report it).
    text = edit_once(
        read("3090-v13.xml"),
        r"(<gpu_power_readings>.*?<average_power_draw>)[^<]*(</average_power_draw>)",
        r"\g<1>N/A\g<2>",
    )
    gpu = snap(text)["gpus"][0]
    instant = float(re.search(r"<instant_power_draw>([\d.]+) W", text).group(1))
    assert gpu["power_w"] == instant and gpu["power"]["source"] == "instant"
    assert gpu["power"]["average_w"] is None and gpu["na"]["power.average_w"]
    assert "power_w" not in gpu["na"]
    assert [v for _, v in series(snap(text), "DCGM_FI_DEV_POWER_USAGE")] == [instant]
    assert f"power {instant:g} W" in cli.render_text(snap(text))


def test_1_the_average_is_shown_when_both_are_reported():
    # No edit: nvidia-smi's own power.draw is the average; the instant reading is kept too.
    gpu = snap(read("3090-v13.xml"))["gpus"][0]
    assert gpu["power_w"] == 35.06 and gpu["power"]["source"] == "average"
    assert gpu["power"]["instant_w"] is not None and gpu["power"]["instant_w"] != 35.06


# ------------------------------------------------------------------ 2. FB_FREE
@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_2_fb_free_is_nvidia_smis_own_free(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    snapshot = snap(text)
    gpu = snapshot["gpus"][0]
    free = {
        str(labels.get("GPU_I_ID", "")): v for labels, v in series(snapshot, "DCGM_FI_DEV_FB_FREE")
    }
    if gpu["mig"]["enabled"]:
        for dev in gpu["mig"]["devices"]:
            assert free[str(dev["gpu_instance_id"])] == dev["memory_free_mib"]
    else:
        assert free[""] == gpu["memory"]["free_mib"]
    # The capture's own Free, read here straight from the text (XML or `-q` text).
    if path.suffix == ".xml":
        whole = re.sub(r"<mig_devices>.*?</mig_devices>", "", text, flags=re.S)
        own = re.search(r"<fb_memory_usage>.*?<free>(\d+) MiB</free>", whole, re.S)
    else:
        own = re.search(
            r"# load :: query \(-q\).*?\n    FB Memory Usage\n.*?Free\s+: (\d+) MiB", text, re.S
        )
    assert gpu["memory"]["free_mib"] == int(own.group(1))


def test_2_h100_mig_free_is_69956_not_70434():
    gpu = snap(read(MIG))["gpus"][0]
    assert gpu["memory"]["free_mib"] == 69956
    assert gpu["memory"]["total_mib"] - gpu["memory"]["used_mib"] == 70434  # the old figure


# ------------------------------------------------------------------ 3. MIG names
def test_3_mig_names_and_uuids_come_from_nvidia_smi_l():
    gpu = snap(read(MIG))["gpus"][0]
    devices = gpu["mig"]["devices"]
    assert [d["profile"] for d in devices] == ["3g.40gb", "2g.20gb", "1g.10gb", "1g.10gb"]
    assert {d["profile_source"] for d in devices} == {"nvidia-smi -L"}
    assert devices[2]["uuid"] == "MIG-00000002-0000-0000-0000-000000000002"


def test_3_h200_names_are_nvidias_not_derived():
    # No edit: the real H200 MIG capture; `nvidia-smi -L` names its devices.
    text = H200_MIG.read_text(encoding="utf-8")
    devices = snap(text)["gpus"][0]["mig"]["devices"]
    assert [d["profile"] for d in devices] == [
        "1c.3g.71gb",
        "2c.3g.71gb",
        "2g.35gb",
        "1g.18gb",
        "1g.18gb",
    ]
    assert [d["gpu_instance_profile"] for d in devices] == [
        "3g.71gb",
        "3g.71gb",
        "2g.35gb",
        "1g.18gb",
        "1g.18gb",
    ]
    # What deriving from SMs and memory gives for the same slices: not NVIDIA's names.
    tree = parse_any(text)
    del tree["listing"]
    derived = snapshot_from_tree(tree, "file", 0)["gpus"][0]["mig"]["devices"]
    assert [d["profile"] for d in derived] == [None, None, "2g.32gb", "1g.16gb", "1g.16gb"]
    assert derived[0]["na"]["profile"]


def test_4_h200_two_compute_instances_are_one_gpu_instance_series():
    # No edit: GPU instance 2 of the real H200 capture holds compute instances 0 and 1.
    used = series(snap(H200_MIG.read_text(encoding="utf-8")), "DCGM_FI_DEV_FB_USED")
    assert [(lab["GPU_I_ID"], lab["GPU_I_PROFILE"], v) for lab, v in used] == [
        ("2", "3g.71gb", 16925),
        ("3", "2g.35gb", 17),
        ("9", "1g.18gb", 9),
        ("10", "1g.18gb", 9),
    ]


def test_3_a_multi_compute_instance_name_is_taken_as_nvidia_gives_it():
    # Edit: the H100 MIG capture's `nvidia-smi -L` line of device 0, "MIG 3g.40gb" →
    # "MIG 1c.3g.40gb" (how NVIDIA names one of several compute instances).
    text = edit_once(read(MIG), r"MIG 3g\.40gb(\s+Device  0:)", r"MIG 1c.3g.40gb\g<1>")
    snapshot = snap(text)
    dev = snapshot["gpus"][0]["mig"]["devices"][0]
    assert dev["profile"] == "1c.3g.40gb" and dev["gpu_instance_profile"] == "3g.40gb"
    profiles = {labels["GPU_I_PROFILE"] for labels, _ in series(snapshot, "DCGM_FI_DEV_FB_USED")}
    assert profiles == {"3g.40gb", "2g.20gb", "1g.10gb"}


def test_3_derived_names_are_a_labelled_last_resort():
    # No edit: the A100 XML has no `nvidia-smi -L` part: names are derived, and say so.
    gpu = snap(read("a100-sxm4-v12.xml"))["gpus"][0]
    assert {d["profile_source"] for d in gpu["mig"]["devices"]} == {DERIVED_PROFILE}
    assert "last resort" in DERIVED_PROFILE
    assert all(d["uuid"] is None and d["na"]["uuid"] for d in gpu["mig"]["devices"])


# ------------------------------------------------------------------ 4. MIG layout
def test_4_mig_is_one_series_per_gpu_instance_with_gpu_i_labels_and_no_whole_gpu():
    snapshot = snap(read(MIG))
    gpu = snapshot["gpus"][0]
    all_samples = samples(snapshot)
    assert all_samples
    for name, labels, _ in all_samples:
        assert "GPU_I_ID" in labels and "GPU_I_PROFILE" in labels, name
    used = series(snapshot, "DCGM_FI_DEV_FB_USED")
    assert sorted(int(lab["GPU_I_ID"]) for lab, _ in used) == [2, 3, 9, 10]
    # Summed, the slices are what they hold — not the H100 twice (11126, not 22251).
    assert sum(v for _, v in used) == sum(d["memory_used_mib"] for d in gpu["mig"]["devices"])
    assert sum(v for _, v in used) == 11126


def test_4_two_compute_instances_of_one_gpu_instance_are_one_series():
    # Edit: the H100 MIG capture (load), device 1's "GPU Instance ID : 3" → 2, so GPU
    # instance 2 holds two compute instances (which share its memory).
    text = edit_once(
        read(MIG),
        r"(# load :: query \(-q\).*?Index\s+: 1\n\s+GPU Instance ID\s+: )3",
        r"\g<1>2",
    )
    used = series(snap(text), "DCGM_FI_DEV_FB_USED")
    assert sorted(int(lab["GPU_I_ID"]) for lab, _ in used) == [2, 9, 10]
    assert [v for lab, v in used if lab["GPU_I_ID"] == "2"] == [11091]


# ------------------------------------------------------------------ 5. default counters
@pytest.mark.parametrize(
    ("name", "capture", "value"),
    [
        ("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", H200, 0),
        ("DCGM_FI_DEV_FB_RESERVED", H200, 614),
        ("DCGM_FI_DEV_MEMORY_TEMP", H100, None),
        ("DCGM_FI_DEV_MEM_COPY_UTIL", H200, 7),
        ("DCGM_FI_DEV_ENC_UTIL", "linux-x86_64__nvidia-l40s__595.80.txt", 59),
        ("DCGM_FI_DEV_DEC_UTIL", H200, 0),
    ],
)
def test_5_default_counters_present_where_the_capture_has_the_data(name, capture, value):
    snapshot = snap(read(capture))
    got = series(snapshot, name)
    assert len(got) == 1, name
    if value is not None:
        assert got[0][1] == value
    gpu = snapshot["gpus"][0]
    expected = {
        "DCGM_FI_DEV_MEMORY_TEMP": gpu["memory_temperature_c"],
        "DCGM_FI_DEV_MEM_COPY_UTIL": gpu["utilization"]["memory"],
    }.get(name)
    if expected is not None:
        assert got[0][1] == expected


def test_5_driver_version_label_on_every_series():
    for capture in (H200, MIG, "tesla_p4.xml"):
        snapshot = snap(read(capture))
        for name, labels, _ in samples(snapshot):
            assert labels["DCGM_FI_DRIVER_VERSION"] == snapshot["driver_version"], name


# ------------------------------------------------------------------ 6. precision
def test_6_large_counters_are_written_exactly():
    # No edit: 3090-v13.xml has spent 9840338777 µs power-capped (ns: times 1000).
    text = render(snap(read("3090-v13.xml")), "host")
    assert re.search(r"^DCGM_FI_DEV_POWER_VIOLATION\{.*\} 9840338777000$", text, re.M)
    assert "e+" not in text


def test_6_an_edited_replay_counter_of_1234567_is_not_1_23457e06():
    # Edit: the H200 capture (load), "Replays Since Reset : 0" → 1234567.
    text = edit_once(
        read(H200), r"(# load :: query \(-q\).*?Replays Since Reset\s+: )0", r"\g<1>1234567"
    )
    exposition = render(snap(text), "host")
    assert re.search(r"^DCGM_FI_DEV_PCIE_REPLAY_COUNTER\{.*\} 1234567$", exposition, re.M)
    assert re.search(r"^DCGM_FI_DEV_POWER_USAGE\{.*\} 627\.32$", exposition, re.M)
