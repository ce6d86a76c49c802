/*
 * Generated from server-ext/jupyter_workbench/schemas/gpu-snapshot.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

/**
 * Health verdict of a GPU: the worst finding (`critical`, `degraded` for warnings), `unknown` when too little is known.
 *
 * This interface was referenced by `IGpuSnapshot`'s JSON-Schema
 * via the `definition` "GpuVerdict".
 */
export type GpuVerdict = 'ok' | 'degraded' | 'critical' | 'unknown';

/**
 * A snapshot of every GPU visible to the session (`GET workbench/api/gpu/snapshot`, and the `data` of each stream message).
 */
export interface IGpuSnapshot {
  /**
   * Where the sample came from: `nvml`, `nvidia-smi`, `replay` (a saved capture), `none`.
   */
  source: string;
  /**
   * With `source` `replay`: the file name of the replayed capture (a real capture, not this machine's GPU). Absent otherwise.
   */
  replay_of?: string;
  /**
   * `ok`, or why there is nothing to show: `no-driver`, `no-gpu`, `error` (see `message`).
   */
  status: 'ok' | 'no-driver' | 'no-gpu' | 'error';
  /**
   * Why there is nothing (or only an old sample) to show; `null` when all is well.
   */
  message: string | null;
  /**
   * When the sample was taken (epoch seconds).
   */
  timestamp: number;
  /**
   * Seconds between samples.
   */
  interval_s: number | null;
  /**
   * NVIDIA driver version.
   */
  driver_version: string | null;
  /**
   * CUDA version the driver supports, e.g. `12.8`.
   */
  cuda_version: string | null;
  /**
   * Every GPU, in index order (empty unless `status` is `ok`).
   */
  gpus: IGpu[];
  /**
   * Present (`true`) when the driver has not answered for several intervals: the snapshot is the last good one.
   */
  stalled?: true;
}
/**
 * One GPU of a snapshot. Every value may be `null`; its reason is then in `na` — never a fake zero.
 *
 * This interface was referenced by `IGpuSnapshot`'s JSON-Schema
 * via the `definition` "IGpu".
 */
export interface IGpu {
  /**
   * Position of the GPU in the source's list (0-based).
   */
  index: number;
  /**
   * The GPU's UUID, e.g. `GPU-…` (history is keyed by it).
   */
  uuid: string | null;
  /**
   * Product name, e.g. `NVIDIA H100 80GB HBM3` (the vGPU profile in a vGPU guest).
   */
  name: string | null;
  /**
   * PCI bus id, e.g. `00000000:1B:00.0`.
   */
  pci_bus_id: string | null;
  /**
   * Minor number N of its `/dev/nvidiaN` device node (used to find this session's processes).
   */
  minor_number: number | null;
  /**
   * How the GPU is virtualised: `none` (bare metal), `passthrough`, `vgpu` (a vGPU guest) or `host_vgpu`; another driver value is passed through in lower case.
   */
  virtualization_mode: string | null;
  /**
   * The vGPU guest's profile and licence; `null` unless `virtualization_mode` is `vgpu`.
   */
  vgpu: IGpuVgpu | null;
  mig: IGpuMig;
  /**
   * Frame-buffer memory.
   */
  memory: {
    /**
     * Total memory in MiB.
     */
    total_mib: number | null;
    /**
     * Used memory in MiB.
     */
    used_mib: number | null;
    /**
     * Free memory in MiB, as nvidia-smi reports it (total − reserved − used); dcgm-exporter's `DCGM_FI_DEV_FB_FREE`.
     */
    free_mib: number | null;
    /**
     * Memory the driver reserves (drivers ≥ 520; NVML: `nvmlMemory_v2`), in MiB.
     */
    reserved_mib: number | null;
  };
  /**
   * GPU utilisation in percent (`null` in MIG mode: not reported for the whole GPU).
   */
  utilization_gpu_percent: number | null;
  /**
   * Other engines' utilisation in percent (`null` in MIG mode, or when not reported).
   */
  utilization: {
    /**
     * Memory-controller (copy) utilisation: `DCGM_FI_DEV_MEM_COPY_UTIL`.
     */
    memory: number | null;
    /**
     * Video encoder (NVENC) utilisation.
     */
    encoder: number | null;
    /**
     * Video decoder (NVDEC) utilisation.
     */
    decoder: number | null;
    /**
     * JPEG decoder utilisation (nvidia-smi only).
     */
    jpeg: number | null;
    /**
     * Optical flow accelerator utilisation (nvidia-smi only).
     */
    ofa: number | null;
  };
  /**
   * Core temperature in °C (`null` in a vGPU guest: the host owns it).
   */
  temperature_c: number | null;
  /**
   * HBM memory temperature in °C (data-centre GPUs; nvidia-smi only).
   */
  memory_temperature_c: number | null;
  /**
   * Fan speed in percent of its maximum (`null` for passively cooled GPUs).
   */
  fan_speed_percent: number | null;
  /**
   * Performance state, `P0` (fastest) … `P12`.
   */
  pstate: string | null;
  /**
   * Compute mode, e.g. `Default`, `Exclusive_Process`, `Prohibited`.
   */
  compute_mode: string | null;
  /**
   * Power draw in watts: nvidia-smi's own `power.draw` (the 1-s average on drivers that report both), else the instant reading; `power.source` says which.
   */
  power_w: number | null;
  /**
   * Enforced power limit in watts.
   */
  power_limit_w: number | null;
  power: IGpuPower;
  /**
   * Energy used since the driver loaded, in mJ (NVML only): `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`.
   */
  energy_mj: number | null;
  /**
   * Current and maximum clocks.
   */
  clocks: {
    /**
     * SM clock in MHz.
     */
    sm_mhz: number | null;
    /**
     * Memory clock in MHz.
     */
    mem_mhz: number | null;
    /**
     * Graphics clock in MHz.
     */
    graphics_mhz: number | null;
    /**
     * Video engine clock in MHz.
     */
    video_mhz: number | null;
    /**
     * Maximum SM clock in MHz.
     */
    max_sm_mhz: number | null;
    /**
     * Maximum memory clock in MHz.
     */
    max_mem_mhz: number | null;
  };
  /**
   * Active clock event (throttle) reasons, e.g. `idle`, `sw_power_cap`, `hw_slowdown`; sorted.
   */
  clock_event_reasons: string[];
  /**
   * Time spent throttled per clock-event reason since the driver loaded, in µs (drivers ≥ 550; nvidia-smi only); `null` when not reported.
   */
  clock_event_counters_us: IGpuClockEventCounters | null;
  /**
   * The PCIe link.
   */
  pcie: {
    /**
     * Current link generation.
     */
    gen_current: number | null;
    /**
     * Maximum link generation.
     */
    gen_max: number | null;
    /**
     * Current link width (lanes).
     */
    width_current: number | null;
    /**
     * Maximum link width (lanes).
     */
    width_max: number | null;
    /**
     * PCIe replays since the last reset.
     */
    replay_counter: number | null;
  };
  /**
   * ECC mode and error counters (sums over the memory kinds, and by location).
   */
  ecc: {
    /**
     * ECC mode, e.g. `enabled` or `disabled`.
     */
    mode: string | null;
    /**
     * Uncorrected errors since the last reset.
     */
    volatile_uncorrected: number | null;
    /**
     * Uncorrected errors over the GPU's life.
     */
    aggregate_uncorrected: number | null;
    /**
     * Corrected errors since the last reset.
     */
    volatile_corrected: number | null;
    /**
     * Corrected errors over the GPU's life.
     */
    aggregate_corrected: number | null;
    /**
     * Errors since the last reset by location and kind, e.g. `dram_uncorrectable`, `sram_correctable` (nested sections joined with `.`).
     */
    volatile: {
      [k: string]: number;
    } | null;
    /**
     * Errors over the GPU's life by location and kind.
     */
    aggregate: {
      [k: string]: number;
    } | null;
  };
  /**
   * Row remapping (Ampere and later); `null` when not reported.
   */
  remapped_rows: IGpuRemappedRows | null;
  /**
   * Page retirement (before Ampere); `null` when not reported.
   */
  retired_pages: IGpuRetiredPages | null;
  /**
   * Xid events seen since the sampler started (NVML only; empty otherwise).
   */
  xid_events: IGpuXidEvent[];
  /**
   * The recovery action the driver asks for: `none`, `gpu_reset`, `node_reboot`, `drain_p2p`, `drain_and_reset` (another driver value is passed through).
   */
  recovery_action: string | null;
  /**
   * This session's processes on this GPU (a replay keeps the recorded ones).
   */
  processes: IGpuProcess[];
  /**
   * Whether the GPU has fallen off the bus or is lost.
   */
  lost: boolean;
  /**
   * Why each `null` value is missing, by field path (e.g. `clocks.sm_mhz`: `not supported`).
   */
  na: {
    [k: string]: string;
  };
  health: IGpuHealth;
}
/**
 * A vGPU guest's profile and licence.
 *
 * This interface was referenced by `IGpuSnapshot`'s JSON-Schema
 * via the `definition` "IGpuVgpu".
 */
export interface IGpuVgpu {
  /**
   * The vGPU profile, e.g. `GRID P4-1Q`.
   */
  profile: string | null;
  /**
   * The licensed product, e.g. `NVIDIA Virtual Compute Server`.
   */
  product: string | null;
  /**
   * Licence status, e.g. `Licensed` or `Unlicensed`.
   */
  license_status: string | null;
  /**
   * Licence expiry (ISO 8601, UTC).
   */
  license_expiry: string | null;
}
/**
 * Multi-Instance GPU mode and its instances.
 *
 * This interface was referenced by `IGpuSnapshot`'s JSON-Schema
 * via the `definition` "IGpuMig".
 */
export interface IGpuMig {
  /**
   * Whether MIG mode is on.
   */
  enabled: boolean;
  /**
   * The MIG devices (empty when MIG is off).
   */
  devices: IGpuMigDevice[];
}
/**
 * One MIG device (a compute instance of a GPU instance).
 *
 * This interface was referenced by `IGpuSnapshot`'s JSON-Schema
 * via the `definition` "IGpuMigDevice".
 */
export interface IGpuMigDevice {
  /**
   * MIG device index.
   */
  index: number;
  /**
   * GPU instance id.
   */
  gpu_instance_id: number | null;
  /**
   * Compute instance id within the GPU instance.
   */
  compute_instance_id: number | null;
  /**
   * The MIG device's UUID (`MIG-…`), from `nvidia-smi -L` or NVML.
   */
  uuid: string | null;
  /**
   * NVIDIA's name of the MIG device, e.g. `3g.40gb`, or `1c.3g.71gb` for one of several compute instances of a GPU instance.
   */
  profile: string | null;
  /**
   * Its GPU instance's profile, e.g. `3g.71gb` (dcgm-exporter's `GPU_I_PROFILE`).
   */
  gpu_instance_profile: string | null;
  /**
   * Where the name came from: `nvml`, `nvidia-smi -L`, or (a labelled last resort when NVIDIA's name is not available) a text starting `derived`.
   */
  profile_source: string | null;
  /**
   * Streaming multiprocessors of the slice (nvidia-smi only; `null` through NVML).
   */
  multiprocessor_count: number | null;
  /**
   * Memory of the slice in MiB.
   */
  memory_total_mib: number | null;
  /**
   * Used memory of the slice in MiB.
   */
  memory_used_mib: number | null;
  /**
   * Free memory of the slice in MiB.
   */
  memory_free_mib: number | null;
  /**
   * Reserved memory of the slice in MiB.
   */
  memory_reserved_mib: number | null;
  /**
   * Why each `null` value of this MIG device is missing.
   */
  na: {
    [k: string]: string;
  };
}
/**
 * Power readings and limits.
 */
export interface IGpuPower {
  /**
   * Which reading `power_w` is: `average` (1-s average), `instant`, `draw` (an older driver's single reading) or `nvml` (`nvmlDeviceGetPowerUsage`: the 1-s average on Ampere and newer, except GA100).
   */
  source: 'average' | 'instant' | 'draw' | 'nvml' | null;
  /**
   * Average power draw over the last second, in watts.
   */
  average_w: number | null;
  /**
   * Instantaneous power draw, in watts.
   */
  instant_w: number | null;
  /**
   * Default power limit, in watts.
   */
  default_limit_w: number | null;
  /**
   * Lowest settable power limit, in watts.
   */
  min_limit_w: number | null;
  /**
   * Highest settable power limit, in watts.
   */
  max_limit_w: number | null;
  /**
   * Power limit requested by the administrator, in watts.
   */
  requested_limit_w: number | null;
}
export interface IGpuClockEventCounters {
  /**
   * µs throttled by `sw_power_cap`.
   */
  sw_power_cap: number | null;
  /**
   * µs throttled by `sync_boost`.
   */
  sync_boost: number | null;
  /**
   * µs throttled by `sw_thermal_slowdown`.
   */
  sw_thermal_slowdown: number | null;
  /**
   * µs throttled by `hw_thermal_slowdown`.
   */
  hw_thermal_slowdown: number | null;
  /**
   * µs throttled by `hw_power_brake_slowdown`.
   */
  hw_power_brake_slowdown: number | null;
}
/**
 * Row remapping counters.
 */
export interface IGpuRemappedRows {
  /**
   * Rows remapped for correctable errors.
   */
  correctable: number | null;
  /**
   * Rows remapped for uncorrectable errors.
   */
  uncorrectable: number | null;
  /**
   * Whether a remap waits for a GPU reset.
   */
  pending: boolean | null;
  /**
   * Whether remapping failed (no spare rows left).
   */
  failure: boolean | null;
}
/**
 * Retired memory pages.
 */
export interface IGpuRetiredPages {
  /**
   * Pages retired for double-bit errors.
   */
  double_bit: number | null;
  /**
   * Pages retired for multiple single-bit errors.
   */
  single_bit: number | null;
  /**
   * Whether pages wait to be retired (at the next reset).
   */
  pending: boolean | null;
}
/**
 * An Xid event reported by the driver.
 */
export interface IGpuXidEvent {
  /**
   * The Xid number.
   */
  xid: number;
  /**
   * When it was seen (epoch seconds).
   */
  time: number;
}
/**
 * A process of this session using a GPU; `kernel` is the Jupyter kernel it belongs to, if any.
 *
 * This interface was referenced by `IGpuSnapshot`'s JSON-Schema
 * via the `definition` "IGpuProcess".
 */
export interface IGpuProcess {
  /**
   * Process id (in the server's PID namespace).
   */
  pid: number;
  /**
   * Executable name; `null` when the driver hides it.
   */
  name: string | null;
  /**
   * Process type from nvidia-smi (`C` compute, `G` graphics, `C+G`); `null` otherwise.
   */
  type: string | null;
  /**
   * GPU memory in MiB; `null` when not reported (vGPU guests, processes found by their open device file).
   */
  used_memory_mib: number | null;
  /**
   * The MIG GPU instance it runs on.
   */
  gpu_instance_id: number | null;
  /**
   * The Jupyter kernel running in this process (or an ancestor of it).
   */
  kernel: IGpuKernel | null;
  /**
   * `open device file` when the process was found holding `/dev/nvidiaN` open rather than listed by the driver; absent otherwise.
   */
  found_by?: 'open device file';
}
/**
 * A Jupyter kernel.
 */
export interface IGpuKernel {
  /**
   * Kernel id.
   */
  id: string;
  /**
   * Kernel name (kernelspec); empty when only its connection file is known.
   */
  name: string;
}
/**
 * The health verdict of a GPU and the findings behind it.
 *
 * This interface was referenced by `IGpuSnapshot`'s JSON-Schema
 * via the `definition` "IGpuHealth".
 */
export interface IGpuHealth {
  verdict: GpuVerdict;
  /**
   * Every finding, in rule order.
   */
  findings: IGpuFinding[];
}
/**
 * A finding of the GPU health rules.
 *
 * This interface was referenced by `IGpuSnapshot`'s JSON-Schema
 * via the `definition` "IGpuFinding".
 */
export interface IGpuFinding {
  /**
   * Stable code, e.g. `ecc-uncorrected`, `xid-79`, `pcie-degraded`.
   */
  code: string;
  /**
   * How bad it is.
   */
  severity: 'critical' | 'warning' | 'info';
  /**
   * What is wrong.
   */
  message: string;
  /**
   * What to do.
   */
  advice: string;
}
