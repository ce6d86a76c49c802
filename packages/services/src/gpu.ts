import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { WorkbenchClient } from './api';
import type {
  GpuHistoryWindow,
  IGpuCheck,
  IGpuHistory,
  IGpuSnapshot
} from './schema';

/*
 * The GPU payload types (`IGpuSnapshot`, `IGpu`, `IGpuProcess`, `IGpuFinding`,
 * `GpuVerdict`, `IGpuHistory`, `GpuHistoryWindow`, `IGpuCheck`, the stream messages, …)
 * are generated from the JSON Schemas of the wire contract (see ./schema) and exported
 * from this package's index.
 */

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
    return this.workbench.request(
      'gpu-snapshot',
      this.workbench.apiUrl('gpu', 'snapshot')
    );
  }

  /** The history of every GPU over `window` (`GET api/gpu/history`). */
  history(window: GpuHistoryWindow = '1h'): Promise<IGpuHistory> {
    return this.workbench.request(
      'gpu-history',
      this.workbench.apiUrl('gpu', 'history') +
        `?window=${encodeURIComponent(window)}`
    );
  }

  /** Run the CUDA or OpenGL check (`POST api/gpu/checks/{name}`). */
  check(name: IGpuCheck['check']): Promise<IGpuCheck> {
    return this.workbench.request(
      'gpu-check',
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
