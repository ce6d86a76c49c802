"""Health rules on faults injected by editing ONE field of a real capture (named per test)."""

from __future__ import annotations

import re

from jupyter_workbench.gpu.health import with_health
from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.parse import parse_any

from .gpu_fixtures import read


def verdict_of(text: str, when: float = 0.0) -> dict:
    tree = parse_any(text)
    snap = with_health(snapshot_from_tree(tree, "file", when or tree.get("timestamp_epoch") or 0))
    return snap["gpus"][0]["health"]


def edit_once(text: str, pattern: str, replacement: str) -> str:
    edited, count = re.subn(pattern, replacement, text, count=1, flags=re.S)
    assert count == 1, f"pattern {pattern!r} not found"
    return edited


def codes(health: dict) -> list[str]:
    return [f["code"] for f in health["findings"]]


def test_real_captures_are_healthy():
    assert verdict_of(read("tesla-t4.xml"))["verdict"] == "ok"
    assert verdict_of(read("linux-x86_64__nvidia-h200__590.48.01.txt"))["verdict"] == "ok"


def test_volatile_uncorrected_ecc_is_critical():
    # Edit: tesla-t4.xml, the first <volatile> <dram_uncorrectable> 0 → 2.
    text = edit_once(
        read("tesla-t4.xml"),
        r"(<volatile>.*?<dram_uncorrectable>)0(</dram_uncorrectable>)",
        r"\g<1>2\g<2>",
    )
    health = verdict_of(text)
    assert health["verdict"] == "critical"
    assert "ecc-uncorrected" in codes(health)


def test_hw_slowdown_is_degraded_but_not_in_vgpu_guests():
    # Edit: H100 capture (load), clock event reason "HW Slowdown" Not Active → Active.
    text = edit_once(
        read("linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt"),
        r"(# load :: query \(-q\).*?HW Slowdown\s+: )Not Active",
        r"\g<1>Active",
    )
    health = verdict_of(text)
    assert health["verdict"] == "degraded"
    assert "slowdown-hw_slowdown" in codes(health)
    # Edit: tesla_p4.xml (vGPU guest), the one field <clocks_throttle_reasons> "N/A" → a
    # reason list with HW thermal slowdown Active: skipped in vGPU guests.
    vgpu = edit_once(
        read("tesla_p4.xml"),
        r"<clocks_throttle_reasons>N/A</clocks_throttle_reasons>",
        "<clocks_throttle_reasons><clocks_throttle_reason_hw_thermal_slowdown>Active"
        "</clocks_throttle_reason_hw_thermal_slowdown></clocks_throttle_reasons>",
    )
    assert "slowdown-hw_thermal_slowdown" not in codes(verdict_of(vgpu))


def test_unlicensed_vgpu_is_critical():
    # Edit: tesla_p4.xml, license_status "Licensed (Expiry: …)" → "Unlicensed (Restricted)".
    text = edit_once(
        read("tesla_p4.xml"),
        r"<license_status>Licensed \(Expiry: [^<]*\)</license_status>",
        "<license_status>Unlicensed (Restricted)</license_status>",
    )
    health = verdict_of(text)
    assert health["verdict"] == "critical"
    assert "vgpu-unlicensed" in codes(health)


def test_licence_expiring_within_seven_days_is_degraded():
    # No edit: tesla_p4.xml's licence expires 2022-09-22 06:57:30 GMT; judged 3 days before.
    when = 1663829850 - 3 * 86400
    health = verdict_of(read("tesla_p4.xml"), when)
    assert health["verdict"] == "degraded"
    assert "vgpu-license-expiring" in codes(health)
    far = verdict_of(read("tesla_p4.xml"), 1663829850 - 30 * 86400)
    assert far["verdict"] == "ok"


def test_recovery_action_and_pcie_under_load():
    # Edit: H200 capture (load), "GPU Recovery Action : None" → "Node Reboot".
    text = edit_once(
        read("linux-x86_64__nvidia-h200__590.48.01.txt"),
        r"(# load :: query \(-q\).*?GPU Recovery Action\s+: )None",
        r"\g<1>Node Reboot",
    )
    assert "recovery-node_reboot" in codes(verdict_of(text))
    # Edit: H200 capture (load, 100 % busy), PCIe link "Current : 5" → "Current : 3".
    text = edit_once(
        read("linux-x86_64__nvidia-h200__590.48.01.txt"),
        r"(# load :: query \(-q\).*?PCIe Generation\s+Max\s+: 5\s+Current\s+: )5",
        r"\g<1>3",
    )
    health = verdict_of(text)
    assert "pcie-degraded" in codes(health)
    # The same degraded link while idle is power management, not a finding.
    idle = edit_once(
        read("linux-x86_64__nvidia-h200__590.48.01.txt"),
        r"(# idle :: query \(-q\).*?PCIe Generation\s+Max\s+: 5\s+Current\s+: )5",
        r"\g<1>3",
    )
    tree = parse_any(idle, "idle")
    snap = with_health(snapshot_from_tree(tree, "file", 0))
    assert "pcie-degraded" not in codes(snap["gpus"][0]["health"])


def test_lost_gpu_is_critical():
    # Edit: tesla-t4.xml, <gpu_temp> "40 C" → "[GPU is lost]".
    text = edit_once(
        read("tesla-t4.xml"), r"<gpu_temp>40 C</gpu_temp>", "<gpu_temp>[GPU is lost]</gpu_temp>"
    )
    health = verdict_of(text)
    assert health["verdict"] == "critical"
    assert "gpu-lost" in codes(health)


def test_xid_classes():
    from jupyter_workbench.gpu.health import evaluate

    gpu = snapshot_from_tree(parse_any(read("tesla-t4.xml")), "file", 0)["gpus"][0]
    gpu["xid_events"] = [{"xid": 13}]
    assert evaluate(gpu, 0)["verdict"] == "ok"  # application fault: info only
    gpu["xid_events"] = [{"xid": 63}]
    assert evaluate(gpu, 0)["verdict"] == "degraded"
    gpu["xid_events"] = [{"xid": 79}]
    assert evaluate(gpu, 0)["verdict"] == "critical"
