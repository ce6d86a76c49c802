/*
 * Generated from server-ext/jupyter_workbench/schemas/renderer-report.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

/**
 * How a desktop renders OpenGL: `sidecar` (VirtualGL to a GPU X server someone else runs), `xorg` (VirtualGL to a GPU X server Workbench starts), `egl` (VirtualGL to an EGL device) or `software` (llvmpipe). The one definition is `MODES` in core/rendering.py.
 *
 * This interface was referenced by `IRendererReport`'s JSON-Schema
 * via the `definition` "RenderingMode".
 */
export type RenderingMode = 'sidecar' | 'xorg' | 'egl' | 'software';

/**
 * Which OpenGL renderer a running desktop really uses (`GET workbench/api/desktops/{name}/renderer[?refresh=1]`), from `glxinfo` run on its display (under vglrun in GPU modes). Also a desktop's `renderer` in its backend status.
 */
export interface IRendererReport {
  /**
   * The desktop (backend) name.
   */
  name: string;
  /**
   * The desktop's X display, e.g. `:1`.
   */
  display: string;
  mode: RenderingMode;
  /**
   * The mode that was asked for (`auto`: the best usable one).
   */
  requested_mode: 'auto' | 'sidecar' | 'xorg' | 'egl' | 'software';
  /**
   * Where the request came from, e.g. `default`, the pod's `WORKBENCH_RENDERING_MODE`, the server config, the profile's gpu policy.
   */
  requested_by: string;
  /**
   * Each better mode that was not used, and why.
   */
  rejected: IRejectedMode[];
  /**
   * Problems worth showing (e.g. VirtualGL in use but not accelerated).
   */
  warnings: string[];
  /**
   * VirtualGL's 3D display (`:0` of a sidecar X server, `:N` of the xorg mode's X server, or an EGL device) in GPU modes; `null` in software mode.
   */
  vgl_display: string | null;
  /**
   * Whether VirtualGL interposes GLX in this desktop (the GLX server vendor string is `VirtualGL`); null when glxinfo did not run. Independent of `accelerated`: VirtualGL can run on a software renderer.
   */
  virtualgl: boolean | null;
  /**
   * The GLX server vendor string (`VirtualGL` under VirtualGL, e.g. `SGI` for Mesa's own GLX).
   */
  glx_vendor: string | null;
  /**
   * The OpenGL renderer string, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`; `null` when the check failed.
   */
  renderer: string | null;
  /**
   * The OpenGL vendor string.
   */
  vendor: string | null;
  /**
   * The OpenGL version string.
   */
  version: string | null;
  /**
   * Whether glxinfo reports direct rendering; `null` when not reported or the check failed.
   */
  direct_rendering: boolean | null;
  /**
   * Whether a GPU renders (not llvmpipe/softpipe/swrast); `null` when unknown.
   */
  accelerated: boolean | null;
  /**
   * When the check ran (epoch seconds).
   */
  checked_at: number;
  /**
   * The command that was run (`[vglrun, -d, …, glxinfo, -B]`); `null` when glxinfo is missing.
   */
  command: string[] | null;
  /**
   * Why the renderer could not be checked; `null` when it was.
   */
  error: string | null;
}
/**
 * A GPU mode that was not used.
 */
export interface IRejectedMode {
  /**
   * The rejected mode.
   */
  mode: 'sidecar' | 'xorg' | 'egl';
  /**
   * Why it was not used.
   */
  reason: string;
}
