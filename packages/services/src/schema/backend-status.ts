/*
 * Generated from server-ext/jupyter_workbench/schemas/backend-status.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

import type { BackendState } from './backend-info';
import type { IDesktopInfo } from './desktop-info';

/**
 * Full status of one backend (`GET workbench/api/backends/{name}`), also the answer of `POST …/{start|stop|restart}` (status 200, or 502 when the backend failed to start; 202 for a start on intent).
 */
export interface IBackendStatus {
  /**
   * URL-safe name, e.g. `vscode`.
   */
  name: string;
  /**
   * Title for the launcher tile.
   */
  title: string;
  /**
   * One-line description (the tile's tooltip).
   */
  description: string;
  /**
   * How the frontend opens it: `web` in an iframe or tab, `desktop` in the noVNC viewer.
   */
  kind: 'web' | 'desktop';
  /**
   * A built-in icon id (`desktop`, `desktop-3d`, `vscode`, `rstudio`, `app`) or SVG markup; empty for the default.
   */
  icon: string;
  /**
   * Default place to open it: a JupyterLab tab or a new browser tab.
   */
  open_in: 'tab' | 'window';
  /**
   * Whether the app can be shown in an iframe.
   */
  allows_framing: boolean;
  /**
   * Whether the backend's program was found.
   */
  available: boolean;
  /**
   * Why it is unavailable (`null` when available).
   */
  reason: string | null;
  /**
   * What to install to make it available.
   */
  install_hint: string | null;
  /**
   * Version of the program found, when known.
   */
  version: string | null;
  state: BackendState;
  /**
   * Proxied path the UI opens (absolute path, includes the base URL).
   */
  url: string;
  /**
   * Whether the proxy carries a raw stream (VNC) rather than HTTP.
   */
  raw_socket: boolean;
  /**
   * Process id of the backend's main process while it is alive.
   */
  pid: number | null;
  /**
   * Restarts so far (automatic and manual).
   */
  restarts: number;
  /**
   * Exit code of the last run (negative: killed by that signal).
   */
  last_exit_code: number | null;
  /**
   * Epoch seconds when the current run was spawned.
   */
  started_at: number | null;
  /**
   * Epoch seconds when the current run became ready.
   */
  ready_at: number | null;
  /**
   * Seconds since it became ready (only while running).
   */
  uptime: number | null;
  /**
   * Seconds since spawn (only while starting).
   */
  elapsed: number | null;
  /**
   * Seconds the backend has to become ready.
   */
  timeout: number;
  /**
   * Why the last start failed or the backend crashed.
   */
  error: string | null;
  /**
   * Seconds until the automatic restart after a crash.
   */
  next_restart_in: number | null;
  /**
   * The last log lines (see `logs` for more).
   */
  log_tail: string[];
  /**
   * The 127.0.0.1 port of the bridge to the unix socket, for the rare backend that needs one (RStudio without unix-socket support); `null` otherwise.
   */
  loopback_port: number | null;
  /**
   * Epoch seconds after which a backend started on intent (`POST …/start` with `{"intent": true}`) is stopped unless it is opened first; `null` when no such deadline applies (not started on intent, already opened, or started explicitly).
   */
  intent_deadline: number | null;
  detection: IDetection;
  desktop?: IDesktopInfo;
}
/**
 * What looking for the backend's program found.
 *
 * This interface was referenced by `IBackendStatus`'s JSON-Schema
 * via the `definition` "IDetection".
 */
export interface IDetection {
  /**
   * Whether the backend can be started.
   */
  available: boolean;
  /**
   * Version string reported by the program, if known.
   */
  version: string | null;
  /**
   * Why the backend is unavailable.
   */
  reason: string | null;
  /**
   * What to install to make it available.
   */
  install_hint: string | null;
  /**
   * Absolute path of the program found.
   */
  executable: string | null;
  /**
   * Backend-specific facts (e.g. the RStudio flavour, runtime checks); open-ended.
   */
  details: {
    [k: string]: unknown;
  };
}
