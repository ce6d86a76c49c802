"""Health verdict per GPU: ok / degraded / critical / unknown, with findings.

Rules (sources in shared notes: NVIDIA Xid catalogue, DCGM health watches):

* GPU lost → critical.
* Xid: application faults (13, 31, 43, 45) are info only; 48, 62, 64, 74, 79, 95, 119,
  120, 140 need a reset or reboot (critical); 63, 92, 94 are warnings.
* Uncorrected ECC errors (volatile) → critical; aggregate only → warning.
* Row remapping failure → critical; remap pending → warning (reset when convenient).
* Retired pages pending → warning.
* Recovery action other than none → critical (reboot/drain) or warning (reset).
* HW slowdown / HW thermal / HW power brake / SW thermal active → warning.
* PCIe link below its maximum while the GPU is busy (≥ 50 %) → warning (idle links are
  power-managed down, which is normal).
* vGPU licence unlicensed → critical (CUDA off, 3 fps); expiring within 7 days → warning.
* Temperature and clock rules are skipped in vGPU guests (the host owns them).

The verdict is the worst severity (critical → critical, warning → degraded); ``unknown``
when too little is known (no memory and no utilization reading and no ECC mode).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any  # Any: snapshots are JSON-like trees

APP_XIDS = frozenset({13, 31, 43, 45, 68, 109})
RESET_XIDS = frozenset({48, 62, 64, 74, 79, 95, 119, 120, 140})
WARN_XIDS = frozenset({63, 92, 94})
LICENCE_WARN_DAYS = 7
PCIE_BUSY_PERCENT = 50

_SLOWDOWNS = {
    "hw_slowdown": "hardware slowdown (HW Slowdown) is active",
    "hw_thermal_slowdown": "the GPU is throttled by hardware for heat",
    "hw_power_brake_slowdown": "an external power brake is slowing the GPU",
    "sw_thermal_slowdown": "the driver is throttling the GPU for heat",
}


def finding(code: str, severity: str, message: str, advice: str) -> dict[str, str]:
    """One finding."""
    return {"code": code, "severity": severity, "message": message, "advice": advice}


def _xid_findings(gpu: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for event in gpu.get("xid_events") or []:
        xid = int(event.get("xid", 0))
        if xid in APP_XIDS:
            out.append(
                finding(
                    f"xid-{xid}",
                    "info",
                    f"Xid {xid}: an application fault (not a hardware problem)",
                    "Check the application that was running; the GPU itself is fine.",
                )
            )
        elif xid in RESET_XIDS:
            out.append(
                finding(
                    f"xid-{xid}",
                    "critical",
                    f"Xid {xid}: the GPU needs a reset or the node a reboot",
                    "Save your work and ask your administrator to reset the GPU or drain the node.",
                )
            )
        elif xid in WARN_XIDS:
            out.append(
                finding(
                    f"xid-{xid}",
                    "warning",
                    f"Xid {xid}: memory errors were contained or recorded",
                    "Keep working; ask for a GPU reset when convenient.",
                )
            )
        else:
            out.append(
                finding(
                    f"xid-{xid}",
                    "warning",
                    f"Xid {xid} was reported by the driver",
                    "Look the Xid up in NVIDIA's Xid catalogue.",
                )
            )
    return out


def evaluate(gpu: dict[str, Any], now: float) -> dict[str, Any]:
    """The health verdict of one GPU (a dict of :mod:`.model`) at time ``now``."""
    findings: list[dict[str, str]] = []
    vgpu_guest = gpu.get("virtualization_mode") == "vgpu"
    if gpu.get("lost"):
        findings.append(
            finding(
                "gpu-lost",
                "critical",
                "The GPU has fallen off the bus or is lost",
                "Save your work; the node must be drained and the GPU reset or replaced.",
            )
        )
    findings += _xid_findings(gpu)
    ecc = gpu.get("ecc") or {}
    if (ecc.get("volatile_uncorrected") or 0) > 0:
        findings.append(
            finding(
                "ecc-uncorrected",
                "critical",
                f"{ecc['volatile_uncorrected']} uncorrected ECC error(s) since the last reset",
                "Results computed on this GPU may be wrong: save work and ask for a GPU reset.",
            )
        )
    elif (ecc.get("aggregate_uncorrected") or 0) > 0:
        findings.append(
            finding(
                "ecc-uncorrected-history",
                "warning",
                f"{ecc['aggregate_uncorrected']} uncorrected ECC error(s) over the GPU's life",
                "Tell your administrator; the board may need service.",
            )
        )
    rows = gpu.get("remapped_rows") or {}
    if rows.get("failure"):
        findings.append(
            finding(
                "remap-failure",
                "critical",
                "Row remapping failed: the GPU has run out of spare memory rows",
                "The GPU needs service; ask your administrator to replace it.",
            )
        )
    elif rows.get("pending"):
        findings.append(
            finding(
                "remap-pending",
                "warning",
                "A memory row remap is pending",
                "Ask for a GPU reset when convenient to apply it.",
            )
        )
    retired = gpu.get("retired_pages") or {}
    if retired.get("pending"):
        findings.append(
            finding(
                "retired-pages-pending",
                "warning",
                "Memory pages are waiting to be retired",
                "Ask for a GPU reset when convenient.",
            )
        )
    action = gpu.get("recovery_action")
    if action and action != "none":
        severity = "warning" if action == "gpu_reset" else "critical"
        findings.append(
            finding(
                f"recovery-{action}",
                severity,
                f"The driver asks for a recovery action: {action.replace('_', ' ')}",
                "Ask your administrator to carry it out.",
            )
        )
    if not vgpu_guest:
        for reason in gpu.get("clock_event_reasons") or []:
            if reason in _SLOWDOWNS:
                findings.append(
                    finding(
                        f"slowdown-{reason}",
                        "warning",
                        _SLOWDOWNS[reason].capitalize(),
                        "Check cooling and power; the GPU runs slower until it clears.",
                    )
                )
    pcie = gpu.get("pcie") or {}
    busy = (gpu.get("utilization_gpu_percent") or 0) >= PCIE_BUSY_PERCENT
    gen, gen_max = pcie.get("gen_current"), pcie.get("gen_max")
    width, width_max = pcie.get("width_current"), pcie.get("width_max")
    if busy and (
        (gen and gen_max and gen < gen_max) or (width and width_max and width < width_max)
    ):
        findings.append(
            finding(
                "pcie-degraded",
                "warning",
                f"PCIe link runs at gen {gen} x{width} under load (max gen {gen_max} x{width_max})",
                "Reseat the card or check the slot/riser; transfers are slower.",
            )
        )
    licence = gpu.get("vgpu") or {}
    status = (licence.get("license_status") or "").lower()
    if vgpu_guest and status and "unlicensed" in status:
        findings.append(
            finding(
                "vgpu-unlicensed",
                "critical",
                "This vGPU is not licensed: CUDA is disabled and frame rate is capped",
                "Ask your administrator to check the NVIDIA licence server.",
            )
        )
    elif vgpu_guest and licence.get("license_expiry"):
        expiry = datetime.fromisoformat(licence["license_expiry"].replace("Z", "+00:00"))
        days = (expiry - datetime.fromtimestamp(now, tz=timezone.utc)).total_seconds() / 86400
        if days < 0:
            findings.append(
                finding(
                    "vgpu-license-expired",
                    "critical",
                    f"The vGPU licence expired on {expiry.date().isoformat()}",
                    "Ask your administrator to renew the licence lease.",
                )
            )
        elif days <= LICENCE_WARN_DAYS:
            findings.append(
                finding(
                    "vgpu-license-expiring",
                    "warning",
                    f"The vGPU licence expires in {days:.1f} days",
                    "Ask your administrator to renew the licence lease.",
                )
            )
    severities = {f["severity"] for f in findings}
    if "critical" in severities:
        verdict = "critical"
    elif "warning" in severities:
        verdict = "degraded"
    elif (
        gpu.get("memory", {}).get("total_mib") is None
        and gpu.get("utilization_gpu_percent") is None
        and not ecc.get("mode")
    ):
        verdict = "unknown"
    else:
        verdict = "ok"
    return {"verdict": verdict, "findings": findings}


def with_health(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Add ``health`` to every GPU of ``snapshot`` (in place) and return it."""
    for gpu in snapshot.get("gpus", []):
        gpu["health"] = evaluate(gpu, snapshot.get("timestamp") or 0.0)
    return snapshot
