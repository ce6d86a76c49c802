/*
 * Generated from server-ext/jupyter_workbench/schemas/desktop-info.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

import type { IRendererReport, RenderingMode } from './renderer-report';

/**
 * The desktop's initial size, e.g. `1920x1080`.
 *
 * This interface was referenced by `IDesktopInfo`'s JSON-Schema
 * via the `definition` "Geometry".
 */
export type Geometry = string;
/**
 * The profile's GPU policy: `auto` (best mode available), `software` (never VirtualGL) or `require` (refuse to start without a GPU mode).
 *
 * This interface was referenced by `IDesktopInfo`'s JSON-Schema
 * via the `definition` "GpuPolicy".
 */
export type GpuPolicy = 'auto' | 'software' | 'require';

/**
 * The desktop feature's part of a backend status: the `desktop` key of `GET workbench/api/backends/{name}` for desktop backends (absent for the others).
 */
export interface IDesktopInfo {
  /**
   * The desktop profile (same as the backend name).
   */
  profile: string;
  geometry: Geometry;
  gpu_policy: GpuPolicy;
  /**
   * The X display of the running desktop, e.g. `:1`; `null` when it is not running.
   */
  display: string | null;
  /**
   * Path of the desktop's Xauthority file (0600); `null` when it is not running.
   */
  xauthority: string | null;
  /**
   * Process id of Xvnc; `null` when it is not running.
   */
  xvnc_pid: number | null;
  /**
   * Process id of the desktop session (window manager or xstartup); `null` when it is not running.
   */
  session_pid: number | null;
  /**
   * The rendering mode chosen when the desktop started; `null` before its first start.
   */
  rendering_mode: RenderingMode | null;
  /**
   * The renderer report of the running desktop once checked (a few seconds after it starts); `null` before.
   */
  renderer: IRendererReport | null;
  /**
   * One line for the UI badge, e.g. `VirtualGL (EGL) · llvmpipe, not accelerated` or `VirtualGL (GLX) · NVIDIA H200`; `null` before the check.
   */
  renderer_summary: string | null;
  /**
   * The `xorg` mode's 3D X server (shared by every desktop of the server) while this desktop uses it; `null` in other modes.
   */
  xorg: IXorgStatus | null;
}
/**
 * The 3D X server Workbench runs in the `xorg` mode.
 *
 * This interface was referenced by `IDesktopInfo`'s JSON-Schema
 * via the `definition` "XorgStatus".
 */
export interface IXorgStatus {
  /**
   * Its supervised state.
   */
  state: 'stopped' | 'starting' | 'running' | 'failed' | 'stopping';
  /**
   * Its X display, e.g. `:20`.
   */
  display: string | null;
  /**
   * Xorg's process id while it runs.
   */
  pid: number | null;
  /**
   * Restarts so far (after crashes).
   */
  restarts: number;
  /**
   * Why it is not running (what an admin must change), if it failed.
   */
  error: string | null;
  /**
   * The Xorg Device driver: `nvidia`, or `dummy` (tests and demos only).
   */
  driver: 'nvidia' | 'dummy';
  /**
   * The Xorg config in use.
   */
  config: string | null;
  /**
   * Xorg's log file.
   */
  log_file: string | null;
  /**
   * The desktops using it.
   */
  users: string[];
  /**
   * The last lines of Xorg's output.
   */
  log_tail: string[];
}
