/*
 * Generated from server-ext/jupyter_workbench/schemas/backend-info.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

/**
 * Lifecycle state of a backend, as reported by the server's supervisor.
 *
 * This interface was referenced by `IBackendInfo`'s JSON-Schema
 * via the `definition` "BackendState".
 */
export type BackendState =
  'stopped' | 'starting' | 'running' | 'failed' | 'stopping';

/**
 * One entry of the backend catalogue (`GET workbench/api/backends`).
 */
export interface IBackendInfo {
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
}
