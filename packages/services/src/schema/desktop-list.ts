/*
 * Generated from server-ext/jupyter_workbench/schemas/desktop-list.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

import type { BackendState } from './backend-info';
import type { Geometry, GpuPolicy } from './desktop-info';
import type { RenderingMode } from './renderer-report';

/**
 * Every desktop profile and its runtime facts (`GET workbench/api/desktops`).
 */
export interface IDesktopList {
  /**
   * One entry per desktop profile, in catalogue order.
   */
  desktops: IDesktopEntry[];
}
/**
 * One desktop profile.
 */
export interface IDesktopEntry {
  /**
   * The desktop (backend) name.
   */
  name: string;
  /**
   * Title of its launcher tile.
   */
  title: string;
  state: BackendState;
  geometry: Geometry;
  gpu_policy: GpuPolicy;
  /**
   * The X display of the running desktop, e.g. `:1`; `null` when it is not running.
   */
  display: string | null;
  /**
   * The rendering mode chosen when the desktop started; `null` before its first start.
   */
  rendering_mode: RenderingMode | null;
  /**
   * One line for the UI badge, e.g. `VirtualGL (EGL) · llvmpipe, not accelerated` or `VirtualGL (GLX) · NVIDIA H200`; `null` before the check.
   */
  renderer_summary: string | null;
}
