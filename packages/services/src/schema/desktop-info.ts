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
   * One line for the UI badge, e.g. `software (software) · llvmpipe (LLVM 15.0.6, 256 bits)`; `null` before the check.
   */
  renderer_summary: string | null;
}
