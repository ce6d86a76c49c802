"""The NVML source, driven by a labelled double of pynvml fed from real captures."""

from __future__ import annotations

from jupyter_workbench.gpu.health import with_health
from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.nvml import NvmlSource
from jupyter_workbench.gpu.parse import parse_any

from . import nvml_double as nd
from .gpu_fixtures import read


def capture(name: str) -> dict:
    return snapshot_from_tree(parse_any(read(name)), "file", 0)


def test_nvml_path_reports_what_nvidia_smi_reported():
    expected = capture("linux-x86_64__nvidia-h200__590.48.01.txt")
    snap = NvmlSource(nd.NvmlDouble(expected)).sample()
    assert snap["status"] == "ok" and snap["source"] == "nvml"
    assert snap["driver_version"] == "590.48.01" and snap["cuda_version"] == "13.1"
    got, want = snap["gpus"][0], expected["gpus"][0]
    for key in (
        "name",
        "uuid",
        "pci_bus_id",
        "virtualization_mode",
        "utilization_gpu_percent",
        "temperature_c",
        "memory",
        "fan_speed_percent",
        "pstate",
        "compute_mode",
    ):
        assert got[key] == want[key], key
    # Free and reserved come from nvmlMemory_v2, equal to nvidia-smi's own Free/Reserved.
    assert got["memory"]["free_mib"] == 110796 and got["memory"]["reserved_mib"] == 614
    assert got["utilization"]["encoder"] == want["utilization"]["encoder"]
    assert got["utilization"]["decoder"] == want["utilization"]["decoder"]
    for key in ("default_limit_w", "min_limit_w", "max_limit_w"):
        assert got["power"][key] == want["power"][key], key
    assert got["clocks"]["max_sm_mhz"] == want["clocks"]["max_sm_mhz"]
    assert abs(got["power_w"] - want["power_w"]) < 0.01
    assert got["pcie"]["gen_current"] == want["pcie"]["gen_current"]
    assert [p["pid"] for p in got["processes"]] == [p["pid"] for p in want["processes"]]
    assert with_health(snap)["gpus"][0]["health"]["verdict"] == "ok"


def test_library_not_found_and_driver_not_loaded():
    snap = capture("tesla-t4.xml")
    missing = NvmlSource(nd.NvmlDouble(snap, init_error=nd.NVML_ERROR_LIBRARY_NOT_FOUND)).sample()
    assert missing["status"] == "no-driver" and "libnvidia-ml" in missing["message"]
    assert missing["gpus"] == []
    unloaded = NvmlSource(nd.NvmlDouble(snap, init_error=nd.NVML_ERROR_DRIVER_NOT_LOADED)).sample()
    assert unloaded["status"] == "no-driver" and "not loaded" in unloaded["message"]


def test_vgpu_guest_not_supported_everywhere():
    snap = capture("tesla_p4.xml")
    result = NvmlSource(nd.NvmlDouble(snap, fail_all=nd.NVML_ERROR_NOT_SUPPORTED)).sample()
    gpu = result["gpus"][0]
    assert gpu["virtualization_mode"] == "vgpu" and gpu["name"] == "GRID P4-1Q"
    assert gpu["memory"]["total_mib"] == 1024
    for field in ("power_w", "utilization_gpu_percent", "pcie.gen_current", "ecc.mode"):
        assert gpu["na"][field] == "not supported", field
    # Judged at the capture's own time (Wed Sep 21 10:31:52 2022): its licence lease, which
    # NVML reports too, ends the next day, so "now" it would rightly be expired.
    result["timestamp"] = 1663756312.0
    health = with_health(result)["gpus"][0]["health"]
    assert health["verdict"] != "critical"


def test_vgpu_zero_temperature_is_not_a_reading():
    snap = capture("tesla_p4.xml")
    gpu = NvmlSource(nd.NvmlDouble(snap)).sample()["gpus"][0]
    assert gpu["temperature_c"] is None and "vGPU" in gpu["na"]["temperature_c"]
    assert gpu["clocks"]["sm_mhz"] is None


def test_gpu_is_lost_on_one_gpu_only():
    one = capture("tesla-t4.xml")
    two = capture("rtx-3060-v12.xml")
    both = dict(one, gpus=[one["gpus"][0], dict(two["gpus"][0], index=1)])
    result = with_health(NvmlSource(nd.NvmlDouble(both, lost={1})).sample())
    first, second = result["gpus"]
    assert first["health"]["verdict"] == "ok"
    assert second["lost"] is True
    assert second["health"]["verdict"] == "critical"
    assert "gpu-lost" in [f["code"] for f in second["health"]["findings"]]


def test_mig_slices_through_nvml():
    snap = capture("linux-x86_64__nvidia-h100-mig__590.48.01.txt")
    gpu = NvmlSource(nd.NvmlDouble(snap)).sample()["gpus"][0]
    assert gpu["mig"]["enabled"] is True
    assert [d["profile"] for d in gpu["mig"]["devices"]] == [
        "3g.40gb",
        "2g.20gb",
        "1g.10gb",
        "1g.10gb",
    ]
    assert [d["memory_total_mib"] for d in gpu["mig"]["devices"]] == [40448, 20096, 9984, 9984]
    assert {d["profile_source"] for d in gpu["mig"]["devices"]} == {"nvml"}
    assert gpu["mig"]["devices"][3]["uuid"] == "MIG-00000003-0000-0000-0000-000000000003"
    assert [d["compute_instance_id"] for d in gpu["mig"]["devices"]] == [0, 0, 0, 0]


def test_no_permission_is_reported_as_such():
    snap = capture("tesla-t4.xml")
    gpu = NvmlSource(
        nd.NvmlDouble(snap, fail={"nvmlDeviceGetPowerUsage": nd.NVML_ERROR_NO_PERMISSION})
    ).sample()["gpus"][0]
    assert gpu["power_w"] is None and gpu["na"]["power_w"] == "no permission"


def test_slow_health_fields_are_read_every_slow_interval_only():
    double = nd.NvmlDouble(capture("tesla-t4.xml"))
    source = NvmlSource(double, slow_interval=30.0)
    for _ in range(3):
        source.sample()
    assert double.calls.count("nvmlDeviceGetTotalEccErrors") == 2  # volatile + aggregate, once
    assert double.calls.count("nvmlDeviceGetUtilizationRates") == 3  # fast: every sample
    eager = nd.NvmlDouble(capture("tesla-t4.xml"))
    fresh = NvmlSource(eager, slow_interval=0.0)
    fresh.sample()
    fresh.sample()
    assert eager.calls.count("nvmlDeviceGetTotalEccErrors") == 4


def test_a_function_missing_from_nvidia_ml_py_is_na_not_a_failure():
    # The installed nvidia-ml-py has no nvmlDeviceGetGpuRecoveryAction (newer drivers only):
    # the double is made to lack it too, and the sample must still carry every GPU.
    type_attr = nd.NvmlDouble.nvmlDeviceGetGpuRecoveryAction
    try:
        del nd.NvmlDouble.nvmlDeviceGetGpuRecoveryAction
        snap = NvmlSource(nd.NvmlDouble(capture("tesla-t4.xml"))).sample()
    finally:
        nd.NvmlDouble.nvmlDeviceGetGpuRecoveryAction = type_attr
    gpu = snap["gpus"][0]
    assert snap["status"] == "ok" and gpu["name"] == "Tesla T4"
    assert gpu["recovery_action"] is None
    assert "not available in the installed nvidia-ml-py" in gpu["na"]["recovery_action"]


def test_the_real_nvidia_ml_py_without_a_driver_says_so():
    import pynvml  # the real module (nvidia-ml-py); no NVIDIA driver on test machines

    snap = NvmlSource(pynvml).sample()
    if snap["status"] == "ok":  # a machine with a GPU: then it must list it
        assert snap["gpus"]
    else:
        assert snap["status"] in {"no-driver", "error"} and snap["message"]


def test_vgpu_licence_through_nvml():
    # The double answers nvmlDeviceGetGridLicensableFeatures_v4 from tesla_p4.xml's
    # "Licensed (Expiry: 2022-9-22 6:57:30 GMT)", as a vGPU guest driver does.
    snap = capture("tesla_p4.xml")
    gpu = NvmlSource(nd.NvmlDouble(snap, fail_all=nd.NVML_ERROR_NOT_SUPPORTED)).sample()["gpus"][0]
    assert gpu["vgpu"]["profile"] == "GRID P4-1Q"
    assert gpu["vgpu"]["license_status"] == "Licensed"
    assert gpu["vgpu"]["license_expiry"] == "2022-09-22T06:57:30Z"
    # Edit: the one licence field of the parsed capture → Unlicensed: critical through NVML too.
    snap["gpus"][0]["vgpu"] = dict(snap["gpus"][0]["vgpu"], license_status="Unlicensed")
    result = NvmlSource(nd.NvmlDouble(snap)).sample()
    result["timestamp"] = 1663756312.0  # the capture's time
    unlicensed = with_health(result)["gpus"][0]
    assert unlicensed["vgpu"]["license_status"] == "Unlicensed"
    assert unlicensed["health"]["verdict"] == "critical"


def test_static_facts_are_read_once_and_minor_number_is_reported():
    double = nd.NvmlDouble(capture("tesla-t4.xml"))
    source = NvmlSource(double)
    for _ in range(3):
        gpu = source.sample()["gpus"][0]
    assert gpu["name"] == "Tesla T4" and gpu["minor_number"] == 0
    for call in ("nvmlDeviceGetName", "nvmlDeviceGetUUID", "nvmlDeviceGetPciInfo"):
        assert double.calls.count(call) == 1, call
    assert double.calls.count("nvmlDeviceGetMemoryInfo") == 3


def test_our_nvml_calls_exist_in_the_real_nvidia_ml_py():
    """The source calls only what the installed nvidia-ml-py has (one exception, guarded), and
    the double has the same call shapes (memory info v2 through ``version=``)."""
    import inspect
    import re
    from pathlib import Path

    import pynvml

    from jupyter_workbench.gpu import nvml as source_module

    text = Path(source_module.__file__).read_text()
    called = set(re.findall(r"nvml\.(nvml\w+)", text)) | set(re.findall(r'"(NVML_\w+)"', text))
    missing = sorted(name for name in called if not hasattr(pynvml, name))
    # Newer than the installed binding: the AttributeError guard reports it as N/A (above).
    assert missing == ["nvmlDeviceGetGpuRecoveryAction"]
    assert hasattr(pynvml, "nvmlMemory_v2")
    assert "version" in inspect.signature(pynvml.nvmlDeviceGetMemoryInfo).parameters
    for name in called - set(missing):
        if name.startswith("nvml") and hasattr(nd.NvmlDouble, name):
            real = inspect.signature(getattr(pynvml, name)).parameters
            ours = inspect.signature(getattr(nd.NvmlDouble, name)).parameters
            assert len(ours) - 1 == len(real), name  # minus the double's self
