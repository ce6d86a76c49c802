"""TEST DOUBLE of the ``pynvml`` module (nvidia-ml-py), for tests only.

It answers NVML calls with the values of a REAL capture from tests/fixtures/gpu (parsed by
our own parser), so the production NVML code path (jupyter_workbench.gpu.nvml) runs
unchanged. Faults are injected per call: ``fail={"nvmlDeviceGetTemperature": NOT_SUPPORTED}``,
``fail_all=NOT_SUPPORTED`` (a vGPU guest), ``init_error=LIBRARY_NOT_FOUND``, ``lost={1}``.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_NO_PERMISSION = 4
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_FUNCTION_NOT_FOUND = 13
NVML_ERROR_GPU_IS_LOST = 15
NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18
NVML_TEMPERATURE_GPU = 0
NVML_CLOCK_GRAPHICS = 0
NVML_CLOCK_SM = 1
NVML_CLOCK_MEM = 2
NVML_CLOCK_VIDEO = 3
_CLOCK_KEYS = {0: "graphics_mhz", 1: "sm_mhz", 2: "mem_mhz", 3: "video_mhz"}
_MAX_CLOCK_KEYS = {1: "max_sm_mhz", 2: "max_mem_mhz"}
nvmlMemory_v2 = 0x02000028
NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1
NVML_VOLATILE_ECC = 0
NVML_AGGREGATE_ECC = 1
nvmlEventTypeXidCriticalError = 8
MIB = 1024 * 1024
_VIRT = {"none": 0, "passthrough": 1, "vgpu": 2, "host_vgpu": 3}


class NVMLError(Exception):
    """Like pynvml.NVMLError: ``value`` is the NVML return code."""

    def __init__(self, value: int) -> None:
        super().__init__(f"NVML error {value}")
        self.value = value


class NvmlDouble:
    """A module-like object; build it with the model GPUs of a parsed real capture."""

    NVMLError = NVMLError

    def __init__(
        self,
        snapshot: dict[str, Any],
        *,
        fail: dict[str, int] | None = None,
        fail_all: int | None = None,
        init_error: int | None = None,
        lost: set[int] | None = None,
    ) -> None:
        self._snap = snapshot
        self._gpus = snapshot["gpus"]
        self._fail = fail or {}
        self._fail_all = fail_all
        self._init_error = init_error
        self._lost = lost or set()
        self.calls: list[str] = []
        for name, value in globals().items():
            if name.startswith(("NVML_", "nvmlEvent", "nvmlMemory_")):
                setattr(self, name, value)

    # ------------------------------------------------------------ helpers
    def _gate(self, name: str, handle: Any = None) -> None:
        self.calls.append(name)
        if handle is not None and getattr(handle, "index", None) in self._lost:
            raise NVMLError(NVML_ERROR_GPU_IS_LOST)
        if name in self._fail:
            raise NVMLError(self._fail[name])
        if self._fail_all is not None and name not in _ALWAYS:
            raise NVMLError(self._fail_all)

    def _value(self, name: str, handle: Any, value: Any) -> Any:
        self._gate(name, handle)
        if value is None:
            raise NVMLError(NVML_ERROR_NOT_SUPPORTED)
        return value

    # ------------------------------------------------------------ system
    def nvmlInit(self) -> None:
        self.calls.append("nvmlInit")
        if self._init_error is not None:
            raise NVMLError(self._init_error)

    def nvmlSystemGetDriverVersion(self) -> str:
        return self._value("nvmlSystemGetDriverVersion", None, self._snap["driver_version"])

    def nvmlSystemGetCudaDriverVersion_v2(self) -> int:
        major, minor = (self._snap["cuda_version"] or "0.0").split(".")
        return self._value(
            "nvmlSystemGetCudaDriverVersion_v2", None, int(major) * 1000 + int(minor) * 10
        )

    def nvmlDeviceGetCount(self) -> int:
        self._gate("nvmlDeviceGetCount")
        return len(self._gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any:
        self._gate("nvmlDeviceGetHandleByIndex")
        return SimpleNamespace(index=index, gpu=self._gpus[index], mig=None)

    # ------------------------------------------------------------ device
    def nvmlDeviceGetName(self, h: Any) -> str:
        if h.mig is not None:
            return self._value("nvmlDeviceGetName", h, f"{h.gpu['name']} MIG {h.mig['profile']}")
        return self._value("nvmlDeviceGetName", h, h.gpu["name"])

    def nvmlDeviceGetUUID(self, h: Any) -> str:
        if h.mig is not None:
            return self._value("nvmlDeviceGetUUID", h, h.mig.get("uuid"))
        return self._value("nvmlDeviceGetUUID", h, h.gpu["uuid"])

    def nvmlDeviceGetPciInfo(self, h: Any) -> Any:
        return SimpleNamespace(busId=self._value("nvmlDeviceGetPciInfo", h, h.gpu["pci_bus_id"]))

    def nvmlDeviceGetMinorNumber(self, h: Any) -> int:
        return self._value("nvmlDeviceGetMinorNumber", h, h.gpu.get("minor_number"))

    def nvmlDeviceGetGridLicensableFeatures_v4(self, h: Any) -> Any:
        """The guest licence of the capture's ``vgpu_software_licensed_product`` section."""
        licence = h.gpu.get("vgpu") or {}
        status = licence.get("license_status")
        self._gate("nvmlDeviceGetGridLicensableFeatures_v4", h)
        if status is None:
            return SimpleNamespace(
                isGridLicenseSupported=0, licensableFeaturesCount=0, gridLicensableFeatures=[]
            )
        expiry = licence.get("license_expiry")
        stamp = [int(x) for x in re.findall(r"\d+", expiry)] if expiry else [0] * 6
        feature = SimpleNamespace(
            featureCode=1,
            featureState=int(status.lower().startswith("licensed")),
            licenseInfo=b"",
            productName=(licence.get("product") or "").encode(),
            featureEnabled=1,
            licenseExpiry=SimpleNamespace(
                year=stamp[0],
                month=stamp[1],
                day=stamp[2],
                hour=stamp[3],
                min=stamp[4],
                sec=stamp[5],
                status=2 if expiry else 0,
            ),
        )
        return SimpleNamespace(
            isGridLicenseSupported=1, licensableFeaturesCount=1, gridLicensableFeatures=[feature]
        )

    def nvmlDeviceGetVirtualizationMode(self, h: Any) -> int:
        return self._value(
            "nvmlDeviceGetVirtualizationMode", h, _VIRT.get(h.gpu["virtualization_mode"])
        )

    def nvmlDeviceGetMemoryInfo(self, h: Any, version: int | None = None) -> Any:
        if h.mig is not None:
            src = {
                k.removeprefix("memory_"): v for k, v in h.mig.items() if k.startswith("memory_")
            }
        else:
            src = dict(h.gpu["memory"])
        total = self._value("nvmlDeviceGetMemoryInfo", h, src["total_mib"])
        used = src["used_mib"] or 0
        if version is None:  # v1: "used" includes the reserved memory
            used += src.get("reserved_mib") or 0
            return SimpleNamespace(total=total * MIB, used=used * MIB, free=(total - used) * MIB)
        reserved = src.get("reserved_mib") or 0
        free = src.get("free_mib")
        free = total - used - reserved if free is None else free
        return SimpleNamespace(
            version=version,
            total=total * MIB,
            reserved=reserved * MIB,
            used=used * MIB,
            free=free * MIB,
        )

    def nvmlDeviceGetUtilizationRates(self, h: Any) -> Any:
        util = self._value("nvmlDeviceGetUtilizationRates", h, h.gpu["utilization_gpu_percent"])
        return SimpleNamespace(gpu=util, memory=(h.gpu.get("utilization") or {}).get("memory"))

    def nvmlDeviceGetEncoderUtilization(self, h: Any) -> tuple[int, int]:
        value = (h.gpu.get("utilization") or {}).get("encoder")
        return self._value(
            "nvmlDeviceGetEncoderUtilization", h, None if value is None else (value, 167000)
        )

    def nvmlDeviceGetDecoderUtilization(self, h: Any) -> tuple[int, int]:
        value = (h.gpu.get("utilization") or {}).get("decoder")
        return self._value(
            "nvmlDeviceGetDecoderUtilization", h, None if value is None else (value, 167000)
        )

    def nvmlDeviceGetFanSpeed(self, h: Any) -> int:
        return self._value("nvmlDeviceGetFanSpeed", h, h.gpu.get("fan_speed_percent"))

    def nvmlDeviceGetPerformanceState(self, h: Any) -> int:
        pstate = h.gpu.get("pstate")
        return self._value("nvmlDeviceGetPerformanceState", h, int(pstate[1:]) if pstate else None)

    def nvmlDeviceGetComputeMode(self, h: Any) -> int:
        modes = {"Default": 0, "Exclusive_Thread": 1, "Prohibited": 2, "Exclusive_Process": 3}
        return self._value(
            "nvmlDeviceGetComputeMode", h, modes.get(h.gpu.get("compute_mode") or "")
        )

    def _milliwatts(self, name: str, h: Any, key: str) -> int:
        value = (h.gpu.get("power") or {}).get(key)
        return self._value(name, h, None if value is None else int(value * 1000))

    def nvmlDeviceGetPowerManagementDefaultLimit(self, h: Any) -> int:
        return self._milliwatts("nvmlDeviceGetPowerManagementDefaultLimit", h, "default_limit_w")

    def nvmlDeviceGetPowerManagementLimit(self, h: Any) -> int:
        return self._milliwatts("nvmlDeviceGetPowerManagementLimit", h, "requested_limit_w")

    def nvmlDeviceGetPowerManagementLimitConstraints(self, h: Any) -> tuple[int, int]:
        power = h.gpu.get("power") or {}
        low, high = power.get("min_limit_w"), power.get("max_limit_w")
        value = None if low is None or high is None else (int(low * 1000), int(high * 1000))
        return self._value("nvmlDeviceGetPowerManagementLimitConstraints", h, value)

    def nvmlDeviceGetTotalEnergyConsumption(self, h: Any) -> int:
        # nvidia-smi -q does not print the energy counter: the captures cannot feed it.
        return self._value("nvmlDeviceGetTotalEnergyConsumption", h, None)

    def nvmlDeviceGetMaxClockInfo(self, h: Any, clock: int) -> int:
        value = h.gpu["clocks"].get(_MAX_CLOCK_KEYS.get(clock, ""))
        return self._value("nvmlDeviceGetMaxClockInfo", h, None if value is None else int(value))

    def nvmlDeviceGetComputeInstanceId(self, h: Any) -> int:
        return self._value("nvmlDeviceGetComputeInstanceId", h, h.mig.get("compute_instance_id"))

    def nvmlDeviceGetTemperature(self, h: Any, sensor: int) -> int:
        temp = h.gpu["temperature_c"]
        if temp is None and h.gpu["virtualization_mode"] == "vgpu":
            temp = 0  # vGPU guests read "0 C", as the real driver does
        return self._value("nvmlDeviceGetTemperature", h, temp)

    def nvmlDeviceGetPowerUsage(self, h: Any) -> int:
        power = h.gpu["power_w"]
        return self._value(
            "nvmlDeviceGetPowerUsage", h, None if power is None else int(power * 1000)
        )

    def nvmlDeviceGetEnforcedPowerLimit(self, h: Any) -> int:
        limit = h.gpu["power_limit_w"]
        return self._value(
            "nvmlDeviceGetEnforcedPowerLimit", h, None if limit is None else int(limit * 1000)
        )

    def nvmlDeviceGetClockInfo(self, h: Any, clock: int) -> int:
        value = h.gpu["clocks"].get(_CLOCK_KEYS[clock])
        if value is None and h.gpu["virtualization_mode"] == "vgpu":
            value = 0
        return self._value("nvmlDeviceGetClockInfo", h, None if value is None else int(value))

    def nvmlDeviceGetCurrentClocksEventReasons(self, h: Any) -> int:
        bits = {
            "idle": 0x1,
            "sw_power_cap": 0x4,
            "hw_slowdown": 0x8,
            "sw_thermal_slowdown": 0x20,
            "hw_thermal_slowdown": 0x40,
            "hw_power_brake_slowdown": 0x80,
        }
        mask = 0
        for reason in h.gpu["clock_event_reasons"]:
            mask |= bits.get(reason, 0)
        return self._value("nvmlDeviceGetCurrentClocksEventReasons", h, mask)

    def nvmlDeviceGetCurrPcieLinkGeneration(self, h: Any) -> int:
        return self._value("nvmlDeviceGetCurrPcieLinkGeneration", h, h.gpu["pcie"]["gen_current"])

    def nvmlDeviceGetMaxPcieLinkGeneration(self, h: Any) -> int:
        return self._value("nvmlDeviceGetMaxPcieLinkGeneration", h, h.gpu["pcie"]["gen_max"])

    def nvmlDeviceGetCurrPcieLinkWidth(self, h: Any) -> int:
        return self._value("nvmlDeviceGetCurrPcieLinkWidth", h, h.gpu["pcie"]["width_current"])

    def nvmlDeviceGetMaxPcieLinkWidth(self, h: Any) -> int:
        return self._value("nvmlDeviceGetMaxPcieLinkWidth", h, h.gpu["pcie"]["width_max"])

    def nvmlDeviceGetPcieReplayCounter(self, h: Any) -> int:
        return self._value("nvmlDeviceGetPcieReplayCounter", h, h.gpu["pcie"]["replay_counter"])

    def nvmlDeviceGetEccMode(self, h: Any) -> tuple[int, int]:
        mode = h.gpu["ecc"]["mode"]
        on = None if mode is None else int(mode == "enabled")
        return self._value("nvmlDeviceGetEccMode", h, None if on is None else (on, on))

    def nvmlDeviceGetTotalEccErrors(self, h: Any, kind: int, counter: int) -> int:
        key = "volatile_uncorrected" if counter == NVML_VOLATILE_ECC else "aggregate_uncorrected"
        return self._value("nvmlDeviceGetTotalEccErrors", h, h.gpu["ecc"][key])

    def nvmlDeviceGetRemappedRows(self, h: Any) -> tuple[int, int, int, int]:
        rows = h.gpu["remapped_rows"]
        value = (
            None
            if rows is None
            else (
                rows["correctable"],
                rows["uncorrectable"],
                int(bool(rows["pending"])),
                int(bool(rows["failure"])),
            )
        )
        return self._value("nvmlDeviceGetRemappedRows", h, value)

    def nvmlDeviceGetGpuRecoveryAction(self, h: Any) -> int:
        codes = {"none": 0, "gpu_reset": 1, "node_reboot": 2, "drain_p2p": 3, "drain_and_reset": 4}
        return self._value("nvmlDeviceGetGpuRecoveryAction", h, codes.get(h.gpu["recovery_action"]))

    def nvmlDeviceGetMigMode(self, h: Any) -> tuple[int, int]:
        on = int(h.gpu["mig"]["enabled"])
        return self._value("nvmlDeviceGetMigMode", h, (on, on))

    def nvmlDeviceGetMaxMigDeviceCount(self, h: Any) -> int:
        return self._value("nvmlDeviceGetMaxMigDeviceCount", h, 7)

    def nvmlDeviceGetMigDeviceHandleByIndex(self, h: Any, slot: int) -> Any:
        self._gate("nvmlDeviceGetMigDeviceHandleByIndex", h)
        devices = h.gpu["mig"]["devices"]
        if slot >= len(devices):
            raise NVMLError(NVML_ERROR_NOT_SUPPORTED)  # real NVML: NOT_FOUND for empty slots
        return SimpleNamespace(index=h.index, gpu=h.gpu, mig=devices[slot])

    def nvmlDeviceGetGpuInstanceId(self, h: Any) -> int:
        return self._value("nvmlDeviceGetGpuInstanceId", h, h.mig["gpu_instance_id"])

    def nvmlDeviceGetComputeRunningProcesses(self, h: Any) -> list[Any]:
        self._gate("nvmlDeviceGetComputeRunningProcesses", h)
        return [
            SimpleNamespace(
                pid=p["pid"],
                usedGpuMemory=(p["used_memory_mib"] or 0) * MIB,
                gpuInstanceId=p.get("gpu_instance_id"),
            )
            for p in h.gpu["processes"]
        ]

    def nvmlDeviceGetGraphicsRunningProcesses(self, h: Any) -> list[Any]:
        self._gate("nvmlDeviceGetGraphicsRunningProcesses", h)
        return []

    def nvmlEventSetCreate(self) -> Any:
        self._gate("nvmlEventSetCreate")
        return SimpleNamespace(events=[])

    def nvmlDeviceRegisterEvents(self, h: Any, types: int, event_set: Any) -> None:
        self._gate("nvmlDeviceRegisterEvents", h)

    def nvmlEventSetWait_v2(self, event_set: Any, timeout_ms: int) -> Any:
        self.calls.append("nvmlEventSetWait_v2")
        if event_set.events:
            return event_set.events.pop(0)
        raise NVMLError(10)  # NVML_ERROR_TIMEOUT


#: Calls that a vGPU guest still answers when "everything else" is NotSupported.
_ALWAYS = {
    "nvmlDeviceGetCount",
    "nvmlDeviceGetHandleByIndex",
    "nvmlDeviceGetName",
    "nvmlDeviceGetUUID",
    "nvmlDeviceGetPciInfo",
    "nvmlDeviceGetMemoryInfo",
    "nvmlDeviceGetVirtualizationMode",
    "nvmlDeviceGetMinorNumber",
    "nvmlDeviceGetGridLicensableFeatures_v4",
    "nvmlSystemGetDriverVersion",
    "nvmlSystemGetCudaDriverVersion_v2",
}
