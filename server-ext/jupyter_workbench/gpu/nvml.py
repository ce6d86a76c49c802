"""The NVML source (``nvidia-ml-py``, imported as ``pynvml``), initialised once, lazily.

Every call is guarded: NotSupported / NoPermission / FunctionNotFound become ``None`` with
a reason in the GPU's ``na`` map; GpuIsLost marks that GPU lost (critical) and the others
keep reporting. The module is injectable, so tests drive this exact code with a double.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any, Callable  # Any: pynvml is untyped; snapshots are JSON-like

from .model import NO_LICENCE, NOT_MEANINGFUL_VGPU, empty_snapshot, gi_profile

_VIRT = {0: "none", 1: "passthrough", 2: "vgpu", 3: "host_vgpu"}
_REASON_BITS = {
    0x1: "idle",
    0x2: "applications_clocks_setting",
    0x4: "sw_power_cap",
    0x8: "hw_slowdown",
    0x10: "sync_boost",
    0x20: "sw_thermal_slowdown",
    0x40: "hw_thermal_slowdown",
    0x80: "hw_power_brake_slowdown",
    0x100: "display_clock_setting",
}
_RECOVERY = {0: "none", 1: "gpu_reset", 2: "node_reboot", 3: "drain_p2p", 4: "drain_and_reset"}
#: ``nvmlGridLicenseExpiry_t.status`` of a lease with a valid expiry date.
_EXPIRY_VALID = 2
MIB = 1024 * 1024
#: The ECC counters of the snapshot model.
ECC_FIELDS = (
    "mode",
    "volatile_uncorrected",
    "aggregate_uncorrected",
    "volatile_corrected",
    "aggregate_corrected",
)
#: The power readings and limits of the snapshot model.
POWER_FIELDS = (
    "source",
    "average_w",
    "instant_w",
    "default_limit_w",
    "min_limit_w",
    "max_limit_w",
    "requested_limit_w",
)
#: The clocks of the snapshot model.
CLOCK_FIELDS = ("sm_mhz", "mem_mhz", "graphics_mhz", "video_mhz", "max_sm_mhz", "max_mem_mhz")


def load_nvml() -> tuple[Any, str | None]:
    """Import ``pynvml`` (nvidia-ml-py); ``(None, why)`` when it is not installed."""
    try:
        import pynvml
    except ImportError:
        return None, "nvidia-ml-py is not installed"
    return pynvml, None


class NvmlSource:
    """Samples every GPU through NVML."""

    name = "nvml"

    def __init__(self, module: Any, slow_interval: float = 30.0) -> None:
        self.nvml = module
        #: ECC counters, remapped rows and the recovery action are read this often (s).
        self.slow_interval = slow_interval
        self._slow: dict[int, tuple[float, dict[str, Any], dict[str, str]]] = {}
        self._static: dict[int, tuple[dict[str, Any], dict[str, str]]] = {}
        self.init_error: str | None = None
        self.status = "ok"
        self._xid_sets: dict[int, Any] = {}
        self._xids: dict[int, list[dict[str, Any]]] = {}
        try:
            module.nvmlInit()
        except module.NVMLError as err:
            self.init_error, self.status = self._init_reason(err)

    def _init_reason(self, err: Any) -> tuple[str, str]:
        nvml = self.nvml
        code = getattr(err, "value", None)
        if code == getattr(nvml, "NVML_ERROR_LIBRARY_NOT_FOUND", -1):
            return "No NVIDIA driver: libnvidia-ml.so.1 was not found", "no-driver"
        if code == getattr(nvml, "NVML_ERROR_DRIVER_NOT_LOADED", -2):
            return "The NVIDIA kernel driver is not loaded", "no-driver"
        if code == getattr(nvml, "NVML_ERROR_LIB_RM_VERSION_MISMATCH", -3):
            return "NVML and the kernel driver versions do not match (reboot needed)", "error"
        return f"NVML could not start: {err}", "error"

    def _call(self, gpu_na: dict[str, str], field: str, fn: Callable[[], Any]) -> Any:
        nvml = self.nvml
        try:
            return fn()
        except AttributeError as err:  # a function this nvidia-ml-py release does not have
            gpu_na[field] = f"not available in the installed nvidia-ml-py ({err})"
            return None
        except nvml.NVMLError as err:
            code = getattr(err, "value", None)
            if code == getattr(nvml, "NVML_ERROR_GPU_IS_LOST", -15):
                gpu_na[field] = "the GPU is lost"
                gpu_na["_lost"] = "yes"
            elif code == getattr(nvml, "NVML_ERROR_NOT_SUPPORTED", -4):
                gpu_na[field] = "not supported"
            elif code == getattr(nvml, "NVML_ERROR_NO_PERMISSION", -5):
                gpu_na[field] = "no permission"
            elif code == getattr(nvml, "NVML_ERROR_FUNCTION_NOT_FOUND", -6):
                gpu_na[field] = "not supported by this driver"
            else:
                gpu_na[field] = f"NVML error: {err}"
            return None

    def sample(self) -> dict[str, Any]:
        """One sample of every GPU; never raises."""
        now = time.time()
        nvml = self.nvml
        if self.init_error:
            return empty_snapshot(self.name, self.status, self.init_error, now)
        try:
            count = nvml.nvmlDeviceGetCount()
        except nvml.NVMLError as err:
            return empty_snapshot(self.name, "error", f"NVML: {err}", now)
        if count == 0:
            return empty_snapshot(self.name, "no-gpu", "No GPU is visible to this session", now)
        driver = _text(self._safe(nvml.nvmlSystemGetDriverVersion))
        cuda = self._safe(nvml.nvmlSystemGetCudaDriverVersion_v2)
        gpus = [self._gpu(index, now) for index in range(count)]
        return {
            "source": self.name,
            "status": "ok",
            "message": None,
            "timestamp": now,
            "interval_s": None,
            "driver_version": driver,
            "cuda_version": f"{cuda // 1000}.{(cuda % 1000) // 10}" if cuda else None,
            "gpus": gpus,
        }

    def _safe(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (self.nvml.NVMLError, AttributeError):
            return None

    def _gpu(self, index: int, now: float) -> dict[str, Any]:
        nvml = self.nvml
        na: dict[str, str] = {}
        handle = self._call(na, "handle", lambda: nvml.nvmlDeviceGetHandleByIndex(index))
        if handle is None:  # every field of the snapshot model, none known
            na.pop("_lost", None)
            return {
                "index": index,
                **dict.fromkeys(("uuid", "name", "pci_bus_id", "minor_number")),
                **dict.fromkeys(("virtualization_mode", "vgpu")),
                "mig": {"enabled": False, "devices": []},
                "memory": dict.fromkeys(("total_mib", "used_mib", "free_mib", "reserved_mib")),
                **dict.fromkeys(("utilization_gpu_percent", "temperature_c")),
                "utilization": dict.fromkeys(("memory", "encoder", "decoder", "jpeg", "ofa")),
                **dict.fromkeys(("memory_temperature_c", "fan_speed_percent", "pstate")),
                **dict.fromkeys(("compute_mode", "energy_mj", "clock_event_counters_us")),
                **dict.fromkeys(("power_w", "power_limit_w")),
                "power": dict.fromkeys(POWER_FIELDS),
                "clocks": dict.fromkeys(CLOCK_FIELDS),
                "clock_event_reasons": [],
                "pcie": dict.fromkeys(
                    ("gen_current", "gen_max", "width_current", "width_max", "replay_counter")
                ),
                "ecc": dict.fromkeys((*ECC_FIELDS, "volatile", "aggregate")),
                **dict.fromkeys(("remapped_rows", "retired_pages", "recovery_action")),
                "xid_events": [],
                "processes": [],
                "lost": True,
                "na": na,
            }

        def call(field: str, fn: Callable[[], Any]) -> Any:
            return self._call(na, field, fn)

        static = self._static_facts(index, handle, na)
        mode, name = static["virtualization_mode"], static["name"]
        memory = self._memory(handle, na)
        util = call("utilization_gpu_percent", lambda: nvml.nvmlDeviceGetUtilizationRates(handle))
        temp = call(
            "temperature_c",
            lambda: nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU),
        )
        if mode == "vgpu" and temp == 0:
            temp, na["temperature_c"] = None, NOT_MEANINGFUL_VGPU
        power = call("power_w", lambda: nvml.nvmlDeviceGetPowerUsage(handle))
        limit = call("power_limit_w", lambda: nvml.nvmlDeviceGetEnforcedPowerLimit(handle))
        sm = call("clocks.sm_mhz", lambda: nvml.nvmlDeviceGetClockInfo(handle, nvml.NVML_CLOCK_SM))
        mem = call(
            "clocks.mem_mhz", lambda: nvml.nvmlDeviceGetClockInfo(handle, nvml.NVML_CLOCK_MEM)
        )
        if mode == "vgpu":
            if sm == 0:
                sm, na["clocks.sm_mhz"] = None, NOT_MEANINGFUL_VGPU
            if mem == 0:
                mem, na["clocks.mem_mhz"] = None, NOT_MEANINGFUL_VGPU
        constraints = call(
            "power.min_limit_w", lambda: nvml.nvmlDeviceGetPowerManagementLimitConstraints(handle)
        )
        for field in (
            "utilization.jpeg",
            "utilization.ofa",
            "memory_temperature_c",
            "power.average_w",
            "power.instant_w",
            "clock_event_counters_us",
        ):
            na[field] = "not read through NVML by Workbench (nvidia-smi reports it)"
        reasons = call(
            "clock_event_reasons",
            lambda: nvml.nvmlDeviceGetCurrentClocksEventReasons(handle),
        )
        cached = self._slow.get(index)
        if cached is None or time.monotonic() - cached[0] >= self.slow_interval:
            slow_na: dict[str, str] = {}
            cached = (time.monotonic(), self._slow_fields(handle, slow_na, mode), slow_na)
            self._slow[index] = cached
        _, slow, slow_na = cached
        na.update(slow_na)
        ecc, remap, action = slow["ecc"], slow["remap"], slow["action"]
        licence = slow.get("licence")
        mig = self._mig(handle, na)
        gpu = {
            "index": index,
            "uuid": static["uuid"],
            "name": name,
            "pci_bus_id": static["pci_bus_id"],
            "minor_number": static["minor_number"],
            "virtualization_mode": mode,
            "vgpu": {"profile": name, **(licence or NO_LICENCE)} if mode == "vgpu" else None,
            "mig": mig,
            "memory": memory,
            "utilization_gpu_percent": util.gpu if util is not None else None,
            "utilization": {
                "memory": util.memory if util is not None else None,
                "encoder": _first(
                    call(
                        "utilization.encoder", lambda: nvml.nvmlDeviceGetEncoderUtilization(handle)
                    )
                ),
                "decoder": _first(
                    call(
                        "utilization.decoder", lambda: nvml.nvmlDeviceGetDecoderUtilization(handle)
                    )
                ),
                "jpeg": None,
                "ofa": None,
            },
            "memory_temperature_c": None,
            "fan_speed_percent": call(
                "fan_speed_percent", lambda: nvml.nvmlDeviceGetFanSpeed(handle)
            ),
            "pstate": _pstate(call("pstate", lambda: nvml.nvmlDeviceGetPerformanceState(handle))),
            "compute_mode": _COMPUTE_MODES.get(
                call("compute_mode", lambda: nvml.nvmlDeviceGetComputeMode(handle))
            ),
            "power": {
                # nvmlDeviceGetPowerUsage: the 1-s average on Ampere and newer (except
                # GA100), the instant reading on older GPUs; NVML does not say which.
                "source": "nvml" if power is not None else None,
                "average_w": None,
                "instant_w": None,
                "default_limit_w": _watts(
                    call(
                        "power.default_limit_w",
                        lambda: nvml.nvmlDeviceGetPowerManagementDefaultLimit(handle),
                    )
                ),
                "min_limit_w": _watts(_first(constraints)),
                "max_limit_w": _watts(constraints[1] if constraints else None),
                "requested_limit_w": _watts(
                    call(
                        "power.requested_limit_w",
                        lambda: nvml.nvmlDeviceGetPowerManagementLimit(handle),
                    )
                ),
            },
            "energy_mj": call(
                "energy_mj", lambda: nvml.nvmlDeviceGetTotalEnergyConsumption(handle)
            ),
            "clock_event_counters_us": None,
            "temperature_c": temp,
            "power_w": power / 1000 if power is not None else None,
            "power_limit_w": limit / 1000 if limit is not None else None,
            "clocks": {
                "sm_mhz": sm,
                "mem_mhz": mem,
                "graphics_mhz": self._clock(
                    handle, na, "graphics_mhz", "NVML_CLOCK_GRAPHICS", mode
                ),
                "video_mhz": self._clock(handle, na, "video_mhz", "NVML_CLOCK_VIDEO", mode),
                "max_sm_mhz": self._clock(handle, na, "max_sm_mhz", "NVML_CLOCK_SM", mode, True),
                "max_mem_mhz": self._clock(handle, na, "max_mem_mhz", "NVML_CLOCK_MEM", mode, True),
            },
            "clock_event_reasons": sorted(
                label for bit, label in _REASON_BITS.items() if reasons and reasons & bit
            ),
            "pcie": {
                "gen_current": call(
                    "pcie.gen_current", lambda: nvml.nvmlDeviceGetCurrPcieLinkGeneration(handle)
                ),
                "gen_max": call(
                    "pcie.gen_max", lambda: nvml.nvmlDeviceGetMaxPcieLinkGeneration(handle)
                ),
                "width_current": call(
                    "pcie.width_current", lambda: nvml.nvmlDeviceGetCurrPcieLinkWidth(handle)
                ),
                "width_max": call(
                    "pcie.width_max", lambda: nvml.nvmlDeviceGetMaxPcieLinkWidth(handle)
                ),
                "replay_counter": call(
                    "pcie.replay_counter", lambda: nvml.nvmlDeviceGetPcieReplayCounter(handle)
                ),
            },
            "ecc": ecc,
            "remapped_rows": {
                "correctable": remap[0],
                "uncorrectable": remap[1],
                "pending": bool(remap[2]),
                "failure": bool(remap[3]),
            }
            if remap
            else None,
            "retired_pages": None,
            "xid_events": self._poll_xids(index, handle, na),
            "recovery_action": _RECOVERY.get(action, str(action)) if action is not None else None,
            "processes": self._processes(handle, na),
        }
        gpu["lost"] = na.pop("_lost", None) is not None
        gpu["na"] = na
        return gpu

    def _memory(self, handle: Any, na: dict[str, str]) -> dict[str, Any]:
        """Total, used, free and reserved MiB (``nvmlMemory_v2``; v1 has no reserved)."""
        nvml = self.nvml
        version = getattr(nvml, "nvmlMemory_v2", None)
        memory = None
        if version is not None:
            memory = self._call(
                na, "memory", lambda: nvml.nvmlDeviceGetMemoryInfo(handle, version=version)
            )
        if memory is None:
            na.pop("memory", None)
            memory = self._call(na, "memory", lambda: nvml.nvmlDeviceGetMemoryInfo(handle))
        reserved = getattr(memory, "reserved", None)
        if memory is not None and reserved is None:
            na["memory.reserved_mib"] = "needs nvmlMemory_v2 (nvidia-ml-py and driver ≥ 510)"
        return {
            "total_mib": int(memory.total // MIB) if memory else None,
            "used_mib": int(memory.used // MIB) if memory else None,
            "free_mib": int(memory.free // MIB) if memory else None,
            "reserved_mib": int(reserved // MIB) if reserved is not None else None,
        }

    def _clock(
        self, handle: Any, na: dict[str, str], key: str, kind: str, mode: Any, top: bool = False
    ) -> Any:
        nvml = self.nvml
        clock = getattr(nvml, kind, None)
        fn = nvml.nvmlDeviceGetMaxClockInfo if top else nvml.nvmlDeviceGetClockInfo
        value = self._call(na, f"clocks.{key}", lambda: fn(handle, clock))
        if mode == "vgpu" and value == 0:
            value, na[f"clocks.{key}"] = None, NOT_MEANINGFUL_VGPU
        return value

    def _static_facts(self, index: int, handle: Any, na: dict[str, str]) -> dict[str, Any]:
        """Facts that do not change while the driver is loaded, read once per GPU."""
        cached = self._static.get(index)
        if cached is not None:
            na.update(cached[1])
            return cached[0]
        nvml = self.nvml
        static_na: dict[str, str] = {}

        def call(field: str, fn: Callable[[], Any]) -> Any:
            return self._call(static_na, field, fn)

        virt = call("virtualization_mode", lambda: nvml.nvmlDeviceGetVirtualizationMode(handle))
        pci = call("pci_bus_id", lambda: nvml.nvmlDeviceGetPciInfo(handle))
        facts = {
            "virtualization_mode": _VIRT.get(virt) if virt is not None else None,
            "name": _text(call("name", lambda: nvml.nvmlDeviceGetName(handle))),
            "uuid": _text(call("uuid", lambda: nvml.nvmlDeviceGetUUID(handle))),
            "pci_bus_id": _text(pci.busId) if pci is not None else None,
            "minor_number": call("minor_number", lambda: nvml.nvmlDeviceGetMinorNumber(handle)),
        }
        na.update(static_na)
        if "_lost" not in static_na:  # a lost GPU is asked again next time
            self._static[index] = (facts, static_na)
        return facts

    def _licence(self, handle: Any, na: dict[str, str]) -> dict[str, Any] | None:
        """vGPU guest licence (``nvmlDeviceGetGridLicensableFeatures_v4``)."""
        nvml = self.nvml
        features = self._call(
            na, "vgpu.license_status", lambda: nvml.nvmlDeviceGetGridLicensableFeatures_v4(handle)
        )
        if features is None:
            return None
        if not features.isGridLicenseSupported:
            na["vgpu.license_status"] = "licensing is not supported on this GPU"
            return None
        count = min(int(features.licensableFeaturesCount), len(features.gridLicensableFeatures))
        for feature in list(features.gridLicensableFeatures)[:count]:
            if not feature.featureEnabled:
                continue
            expiry = feature.licenseExpiry
            when = None
            if int(expiry.status) == _EXPIRY_VALID and expiry.year:
                when = (
                    f"{expiry.year:04d}-{expiry.month:02d}-{expiry.day:02d}"
                    f"T{expiry.hour:02d}:{expiry.min:02d}:{expiry.sec:02d}Z"
                )
            return {
                "product": _text(feature.productName) or None,
                "license_status": "Licensed" if feature.featureState else "Unlicensed",
                "license_expiry": when,
            }
        return {"product": None, "license_status": "Unlicensed", "license_expiry": None}

    def _slow_fields(self, handle: Any, na: dict[str, str], mode: str | None) -> dict[str, Any]:
        """The slow health fields (ECC, remapped rows, recovery action, vGPU licence)."""
        nvml = self.nvml

        def call(field: str, fn: Callable[[], Any]) -> Any:
            return self._call(na, field, fn)

        ecc_mode = call("ecc.mode", lambda: nvml.nvmlDeviceGetEccMode(handle))
        unc = nvml.NVML_MEMORY_ERROR_TYPE_UNCORRECTED
        ecc = {
            "mode": ("enabled" if ecc_mode[0] else "disabled") if ecc_mode else None,
            "volatile_uncorrected": call(
                "ecc.volatile_uncorrected",
                lambda: nvml.nvmlDeviceGetTotalEccErrors(handle, unc, nvml.NVML_VOLATILE_ECC),
            ),
            "aggregate_uncorrected": call(
                "ecc.aggregate_uncorrected",
                lambda: nvml.nvmlDeviceGetTotalEccErrors(handle, unc, nvml.NVML_AGGREGATE_ECC),
            ),
            "volatile_corrected": None,
            "aggregate_corrected": None,
            "volatile": None,
            "aggregate": None,
        }
        for field in ("volatile_corrected", "aggregate_corrected", "volatile", "aggregate"):
            na[f"ecc.{field}"] = "not read through NVML"
        remap = call("remapped_rows", lambda: nvml.nvmlDeviceGetRemappedRows(handle))
        action = call("recovery_action", lambda: nvml.nvmlDeviceGetGpuRecoveryAction(handle))
        licence = self._licence(handle, na) if mode == "vgpu" else None
        return {"ecc": ecc, "remap": remap, "action": action, "licence": licence}

    def _mig(self, handle: Any, na: dict[str, str]) -> dict[str, Any]:
        nvml = self.nvml
        mode = self._call(na, "mig", lambda: nvml.nvmlDeviceGetMigMode(handle))
        enabled = bool(mode and mode[0])
        devices: list[dict[str, Any]] = []
        if enabled:
            count = self._call(na, "mig", lambda: nvml.nvmlDeviceGetMaxMigDeviceCount(handle)) or 0
            for slot in range(count):
                try:
                    mig = nvml.nvmlDeviceGetMigDeviceHandleByIndex(handle, slot)
                except nvml.NVMLError:
                    continue
                memory = self._safe(partial(nvml.nvmlDeviceGetMemoryInfo, mig))
                mig_name = _text(self._safe(partial(nvml.nvmlDeviceGetName, mig))) or ""
                # NVIDIA's own name: "NVIDIA H200 MIG 1c.3g.71gb" → "1c.3g.71gb".
                profile = mig_name.rsplit(" ", 1)[-1] if " MIG " in mig_name else None
                dev_na: dict[str, str] = {}
                uuid = _text(self._call(dev_na, "uuid", partial(nvml.nvmlDeviceGetUUID, mig)))
                ci = self._call(
                    dev_na, "compute_instance_id", partial(nvml.nvmlDeviceGetComputeInstanceId, mig)
                )
                if profile is None:
                    dev_na["profile"] = f"NVML named this MIG device {mig_name!r}"
                devices.append(
                    {
                        "index": len(devices),
                        "gpu_instance_id": self._safe(
                            partial(nvml.nvmlDeviceGetGpuInstanceId, mig)
                        ),
                        "compute_instance_id": ci,
                        "uuid": uuid,
                        "profile": profile,
                        "gpu_instance_profile": gi_profile(profile),
                        "profile_source": "nvml" if profile else None,
                        "multiprocessor_count": None,
                        "memory_total_mib": int(memory.total // MIB) if memory else None,
                        "memory_used_mib": int(memory.used // MIB) if memory else None,
                        "memory_free_mib": int(memory.free // MIB) if memory else None,
                        "memory_reserved_mib": None,
                        "na": dev_na,
                    }
                )
        return {"enabled": enabled, "devices": devices}

    def _processes(self, handle: Any, na: dict[str, str]) -> list[dict[str, Any]]:
        nvml = self.nvml
        seen: dict[int, dict[str, Any]] = {}
        for field, fn in (
            ("processes", nvml.nvmlDeviceGetComputeRunningProcesses),
            ("processes", nvml.nvmlDeviceGetGraphicsRunningProcesses),
        ):
            for proc in self._call(na, field, partial(fn, handle)) or []:
                used = getattr(proc, "usedGpuMemory", None)
                seen[proc.pid] = {
                    "pid": proc.pid,
                    "name": _proc_name(proc.pid),
                    "type": None,
                    "used_memory_mib": int(used // MIB) if used else None,
                    "gpu_instance_id": getattr(proc, "gpuInstanceId", None),
                    "kernel": None,
                }
        return list(seen.values())

    def _poll_xids(self, index: int, handle: Any, na: dict[str, str]) -> list[dict[str, Any]]:
        """Xid events seen since the sampler started (NVML cannot replay older ones)."""
        nvml = self.nvml
        events = self._xids.setdefault(index, [])
        if index not in self._xid_sets:
            try:
                event_set = nvml.nvmlEventSetCreate()
                nvml.nvmlDeviceRegisterEvents(handle, nvml.nvmlEventTypeXidCriticalError, event_set)
                self._xid_sets[index] = event_set
            except (nvml.NVMLError, AttributeError):
                self._xid_sets[index] = None
                na["xid_events"] = "Xid events are not available through NVML here"
        event_set = self._xid_sets.get(index)
        while event_set is not None:
            try:
                data = nvml.nvmlEventSetWait_v2(event_set, 0)
            except nvml.NVMLError:
                break
            events.append({"xid": int(data.eventData), "time": time.time()})
        return list(events)


_COMPUTE_MODES = {0: "Default", 1: "Exclusive_Thread", 2: "Prohibited", 3: "Exclusive_Process"}


def _first(value: Any) -> Any:
    """``(utilization, sampling period)`` → utilization; ``None`` stays ``None``."""
    return value[0] if isinstance(value, (tuple, list)) else value


def _watts(milliwatts: Any) -> float | None:
    return milliwatts / 1000 if milliwatts is not None else None


def _pstate(value: Any) -> str | None:
    return f"P{value}" if isinstance(value, int) and 0 <= value <= 15 else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _proc_name(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return None
