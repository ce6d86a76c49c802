"""``promtool test rules`` on deploy/prometheus/workbench-gpu-alerts.yaml.

The input series are those our /workbench/metrics serves for real captures (healthy) and
for the same captures with ONE field edited (named per scenario): every alert must fire on
its fault and on nothing else, and no alert may fire on the healthy captures.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from jupyter_workbench.gpu.health import with_health
from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.parse import parse_any
from jupyter_workbench.gpu.prometheus import render

from .gpu_fixtures import read

RULES = Path(__file__).parents[3] / "deploy" / "prometheus" / "workbench-gpu-alerts.yaml"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
TARGET = {"instance": "gpu-node-1:8888", "job": "workbench"}
H200 = "linux-x86_64__nvidia-h200__590.48.01.txt"
MIG = "linux-x86_64__nvidia-h100-mig__590.48.01.txt"

pytestmark = pytest.mark.skipif(not Path(PROMTOOL).exists(), reason="promtool is not installed")


def edit_once(text: str, pattern: str, replacement: str) -> str:
    edited, count = re.subn(pattern, replacement, text, count=1, flags=re.S)
    assert count == 1, f"pattern {pattern!r} not found"
    return edited


def snapshot(name: str, text: str | None = None, section: str = "load") -> dict[str, Any]:
    tree = parse_any(text if text is not None else read(name), section)
    return with_health(snapshot_from_tree(tree, "replay", 0))


def with_xid(snap: dict[str, Any], xid: int) -> dict[str, Any]:
    # Edit: the snapshot's one field xid_events (nvidia-smi captures hold no Xid events;
    # NVML delivers them live), as NVML would report Xid `xid`.
    snap["gpus"][0]["xid_events"] = [{"xid": xid, "time": 0}]
    return snap


#: scenario → (snapshot, alerts that must fire). Healthy captures first (no alert).
def scenarios() -> dict[str, tuple[dict[str, Any], set[str]]]:
    t4, a10g, p4 = read("tesla-t4.xml"), read("a10g.xml"), read("tesla_p4.xml")
    h200 = read(H200)
    return {
        "healthy H200 under load": (snapshot(H200), set()),
        "healthy H100 MIG": (snapshot(MIG), set()),
        "healthy vGPU guest": (snapshot("tesla_p4.xml"), set()),
        "healthy T4": (snapshot("tesla-t4.xml"), set()),
        "healthy A10G": (snapshot("a10g.xml"), set()),
        # Edit: tesla-t4.xml, the first volatile <dram_uncorrectable> 0 → 2.
        "uncorrectable ECC": (
            snapshot("", edit_once(t4, r"(<volatile>.*?<dram_uncorrectable>)0<", r"\g<1>2<")),
            {"GPUUncorrectableECC"},
        ),
        # Edit: a10g.xml, <remapped_row_pending> No → Yes.
        "row remap pending": (
            snapshot(
                "", edit_once(a10g, r"<remapped_row_pending>No<", "<remapped_row_pending>Yes<")
            ),
            {"GPURowRemapPending"},
        ),
        # Edit: a10g.xml, <remapped_row_failure> No → Yes.
        "row remap failure": (
            snapshot(
                "", edit_once(a10g, r"<remapped_row_failure>No<", "<remapped_row_failure>Yes<")
            ),
            {"GPURowRemapFailure"},
        ),
        # Edit: tesla-t4.xml, <pending_retirement> No → Yes.
        "retired pages pending": (
            snapshot("", edit_once(t4, r"<pending_retirement>No<", "<pending_retirement>Yes<")),
            {"GPURetiredPagesPending"},
        ),
        # Edit: H200 capture (load, 100 % busy), "HW Thermal Slowdown" Not Active → Active.
        "thermal slowdown under load": (
            snapshot(
                "",
                edit_once(
                    h200,
                    r"(# load :: query \(-q\).*?HW Thermal Slowdown\s+: )Not Active",
                    r"\g<1>Active",
                ),
            ),
            {"GPUThermalSlowdownUnderLoad"},
        ),
        # Edit: H200 capture (idle, 0 % busy), the same field: clocked down while idle is fine.
        "thermal slowdown while idle": (
            snapshot(
                "",
                edit_once(
                    h200,
                    r"(# idle :: query \(-q\).*?HW Thermal Slowdown\s+: )Not Active",
                    r"\g<1>Active",
                ),
                "idle",
            ),
            set(),
        ),
        # Edit: H200 capture (load), "HW Power Brake Slowdown" Not Active → Active.
        "power brake under load": (
            snapshot(
                "",
                edit_once(
                    h200,
                    r"(# load :: query \(-q\).*?HW Power Brake Slowdown\s+: )Not Active",
                    r"\g<1>Active",
                ),
            ),
            {"GPUPowerSlowdownUnderLoad"},
        ),
        # Edit: tesla_p4.xml, license_status "Licensed (Expiry: …)" → "Unlicensed (Restricted)".
        "vGPU licence lost": (
            snapshot(
                "",
                edit_once(
                    p4,
                    r"<license_status>Licensed \(Expiry: [^<]*\)<",
                    "<license_status>Unlicensed (Restricted)<",
                ),
            ),
            {"GPUvGPULicenceLost"},
        ),
        # Edit: tesla-t4.xml, <gpu_temp> 40 C → [GPU is lost].
        "GPU lost": (
            snapshot("", edit_once(t4, r"<gpu_temp>40 C<", "<gpu_temp>[GPU is lost]<")),
            {"GPULost"},
        ),
        "Xid 79 (fallen off the bus)": (
            with_xid(snapshot("tesla-t4.xml"), 79),
            {"GPUXidNeedsReset"},
        ),
        "Xid 94 (contained ECC)": (with_xid(snapshot(H200), 94), {"GPUXidMemoryErrorContained"}),
        "Xid 13 (application)": (with_xid(snapshot(H200), 13), {"GPUXidApplicationFault"}),
        "Xid 154 (unclassified)": (with_xid(snapshot(H200), 154), {"GPUXidOther"}),
    }


def series_of(snap: dict[str, Any]) -> list[tuple[str, dict[str, str], float]]:
    """The samples /workbench/metrics serves for ``snap``, with the target's labels."""
    out = []
    for family in text_string_to_metric_families(render(snap, "gpu-node-1")):
        for sample in family.samples:
            name = sample.name
            if family.type == "counter" and name == f"{family.name}_total":
                name = family.name  # the client parser's OpenMetrics naming
            out.append((name, {**sample.labels, **TARGET}, float(sample.value)))
    return out


def selector(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def rules() -> dict[str, dict[str, Any]]:
    import yaml  # PyYAML: a test dependency of jupyter_server

    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def annotate(template: str, labels: dict[str, str]) -> str:
    """The rules' annotations use only ``{{ $labels.<name> }}``."""
    return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m.group(1), ""), template)


def expected_alerts(
    rule: dict[str, Any], samples: list[tuple[str, dict[str, str], float]]
) -> list[dict[str, Any]]:
    """Which series carry the alert: those of the rule's first metric (the one it names)."""
    metric = re.search(r"(DCGM_FI_[A-Z_]+|workbench_[a-z_]+)", rule["expr"]).group(1)  # type: ignore[union-attr]
    out = []
    for name, labels, _ in samples:
        if name != metric:
            continue
        full = {**labels, **rule.get("labels", {})}
        out.append(
            {
                "exp_labels": full,
                "exp_annotations": {k: annotate(v, full) for k, v in rule["annotations"].items()},
            }
        )
    return out


def test_promtool_checks_the_rules() -> None:
    proc = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_alerts_fire_on_their_fault_and_nothing_else(tmp_path: Path) -> None:
    all_rules = rules()
    assert set(all_rules) == {
        "GPUXidNeedsReset",
        "GPUXidMemoryErrorContained",
        "GPUXidApplicationFault",
        "GPUXidOther",
        "GPUUncorrectableECC",
        "GPURowRemapPending",
        "GPURowRemapFailure",
        "GPURetiredPagesPending",
        "GPUThermalSlowdownUnderLoad",
        "GPUPowerSlowdownUnderLoad",
        "GPUvGPULicenceLost",
        "GPULost",
    }
    tests = []
    fired: set[str] = set()
    for title, (snap, expected) in scenarios().items():
        samples = series_of(snap)
        assert samples, title
        alert_tests = []
        for alert, rule in all_rules.items():
            exp = expected_alerts(rule, samples) if alert in expected else []
            if alert in expected:
                assert exp, f"{title}: no series for {alert}"
                fired.add(alert)
            alert_tests.append({"eval_time": "10m", "alertname": alert, "exp_alerts": exp})
        tests.append(
            {
                "name": title,
                "interval": "1m",
                # The same scrape every minute for 10 minutes (past every rule's `for`).
                "input_series": [
                    {"series": selector(name, labels), "values": f"{value!r}+0x10"}
                    for name, labels, value in samples
                ],
                "alert_rule_test": alert_tests,
            }
        )
    assert fired == set(all_rules), f"never tested firing: {set(all_rules) - fired}"
    test_file = tmp_path / "gpu-alerts.test.yaml"
    test_file.write_text(
        json.dumps({"rule_files": [str(RULES)], "evaluation_interval": "1m", "tests": tests})
    )
    proc = subprocess.run(
        [PROMTOOL, "test", "rules", str(test_file)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
