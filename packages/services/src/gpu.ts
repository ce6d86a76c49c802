import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { WorkbenchClient } from './api';

/**
 * A finding of the GPU health rules.
 */
export interface IGpuFinding {
  /** Stable code, e.g. `ecc-uncorrected`. */
  code: string;
  /** `critical`, `warning` or `info`. */
  severity: 'critical' | 'warning' | 'info';
  /** What is wrong. */
  message: string;
  /** What to do. */
  advice: string;
}

/**
 * A process using a GPU; `kernel` is the Jupyter kernel it belongs to, if any.
 */
export interface IGpuProcess {
  /** Process id (in the server's PID namespace). */
  pid: number;
  /** Executable name, `null` when the driver hides it. */
  name: string | null;
  /** GPU memory in MiB, `null` when not reported (e.g. in a vGPU guest). */
  used_memory_mib: number | null;
  /** The Jupyter kernel running in this process (or an ancestor of it). */
  kernel: { id: string; name: string } | null;
  [extra: string]: unknown;
}

/**
 * History window of the GPU charts.
 */
export type GpuHistoryWindow = '1h' | '24h';

/**
 * Health verdict of a GPU.
 */
export type GpuVerdict = 'ok' | 'degraded' | 'critical' | 'unknown';

/**
 * One GPU of a snapshot; `null` values have their reason in `na`.
 */
export interface IGpu {
  index: number;
  uuid: string | null;
  name: string | null;
  pci_bus_id: string | null;
  virtualization_mode: 'none' | 'passthrough' | 'vgpu' | 'host_vgpu' | null;
  vgpu: {
    profile: string | null;
    license_status: string | null;
    license_expiry: string | null;
  } | null;
  mig: {
    enabled: boolean;
    devices: Array<{
      index: number;
      gpu_instance_id: number | null;
      profile: string | null;
      memory_total_mib: number | null;
      memory_used_mib: number | null;
    }>;
  };
  memory: { total_mib: number | null; used_mib: number | null };
  utilization_gpu_percent: number | null;
  temperature_c: number | null;
  power_w: number | null;
  power_limit_w: number | null;
  clocks: { sm_mhz: number | null; mem_mhz: number | null };
  clock_event_reasons: string[];
  processes: IGpuProcess[];
  na: Record<string, string>;
  health: { verdict: GpuVerdict; findings: IGpuFinding[] };
  [extra: string]: unknown;
}

/**
 * A snapshot of every GPU (`GET workbench/api/gpu/snapshot` and the stream).
 */
export interface IGpuSnapshot {
  source: string;
  status: 'ok' | 'no-driver' | 'no-gpu' | 'error';
  message: string | null;
  timestamp: number;
  interval_s: number | null;
  driver_version: string | null;
  cuda_version: string | null;
  gpus: IGpu[];
  stalled?: boolean;
}

/**
 * History per GPU UUID (`GET workbench/api/gpu/history`).
 */
export interface IGpuHistory {
  window: GpuHistoryWindow;
  interval_s: number;
  gpus: Record<
    string,
    {
      t: number[];
      utilization_gpu_percent: Array<number | null>;
      memory_used_mib: Array<number | null>;
      temperature_c: Array<number | null>;
      power_w: Array<number | null>;
    }
  >;
}

/**
 * Result of a CUDA or OpenGL check.
 */
export interface IGpuCheck {
  check: 'cuda' | 'opengl';
  ok: boolean;
  summary: string;
  error: string | null;
  duration_ms: number;
  /** OpenGL: whether a GPU renders (not llvmpipe/softpipe). */
  accelerated?: boolean;
  /** OpenGL: the `GL_RENDERER` string. */
  renderer?: string | null;
  /** OpenGL: the `GL_VENDOR` string. */
  vendor?: string | null;
  /** OpenGL: `software`, `egl` or `sidecar`. */
  mode?: string | null;
  /** CUDA: device count, timings, versions. */
  details?: Record<string, unknown>;
  [extra: string]: unknown;
}

/**
 * Typed client of the GPU API under `{base_url}workbench/api/gpu/`.
 */
export class GpuClient {
  /**
   * Create a GPU client using `serverSettings` (defaults to the page's settings). It
   * stands alone: the GPU panel needs no other Workbench plugin.
   */
  constructor(serverSettings?: ServerConnection.ISettings) {
    this.workbench = new WorkbenchClient(serverSettings);
  }

  /** The Workbench client sending the requests. */
  readonly workbench: WorkbenchClient;

  /** The latest snapshot (`GET api/gpu/snapshot`). */
  snapshot(): Promise<IGpuSnapshot> {
    return this.workbench.request(this.workbench.apiUrl('gpu', 'snapshot'));
  }

  /** The history of every GPU over `window` (`GET api/gpu/history`). */
  history(window: GpuHistoryWindow = '1h'): Promise<IGpuHistory> {
    return this.workbench.request(
      this.workbench.apiUrl('gpu', 'history') +
        `?window=${encodeURIComponent(window)}`
    );
  }

  /** Run the CUDA or OpenGL check (`POST api/gpu/checks/{name}`). */
  check(name: 'cuda' | 'opengl'): Promise<IGpuCheck> {
    return this.workbench.request(
      this.workbench.apiUrl('gpu', 'checks', name),
      {
        method: 'POST',
        body: '{}'
      }
    );
  }

  /** The WebSocket URL of the snapshot stream (with the token when the page has one). */
  streamUrl(): string {
    const settings = this.workbench.serverSettings;
    const url = URLExt.join(
      settings.wsUrl,
      'workbench',
      'api',
      'gpu',
      'stream'
    );
    return settings.token
      ? `${url}?token=${encodeURIComponent(settings.token)}`
      : url;
  }
}
