/*
 * Generated from server-ext/jupyter_workbench/schemas/gpu-history.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

/**
 * History window of the GPU charts.
 *
 * This interface was referenced by `IGpuHistory`'s JSON-Schema
 * via the `definition` "GpuHistoryWindow".
 */
export type GpuHistoryWindow = '1h' | '24h';

/**
 * The history of every GPU (`GET workbench/api/gpu/history?window=1h|24h`): full rate for 1 h, 1-minute means for 24 h.
 */
export interface IGpuHistory {
  window: GpuHistoryWindow;
  /**
   * Seconds between samples (60 for `24h`).
   */
  interval_s: number;
  /**
   * The series of each GPU, by UUID (by index when the UUID is unknown).
   */
  gpus: {
    [k: string]: IGpuHistorySeries;
  };
}
/**
 * The samples of one GPU, as columns of equal length.
 *
 * This interface was referenced by `IGpuHistory`'s JSON-Schema
 * via the `definition` "IGpuHistorySeries".
 */
export interface IGpuHistorySeries {
  /**
   * Sample times (epoch seconds).
   */
  t: number[];
  /**
   * GPU utilisation in percent (`null`: not reported).
   */
  utilization_gpu_percent: (number | null)[];
  /**
   * Used memory in MiB.
   */
  memory_used_mib: (number | null)[];
  /**
   * Temperature in °C.
   */
  temperature_c: (number | null)[];
  /**
   * Power draw in watts.
   */
  power_w: (number | null)[];
}
