/*
 * Generated from server-ext/jupyter_workbench/schemas/gpu-check.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

import type { IRendererReport } from './renderer-report';

/**
 * The result of `POST workbench/api/gpu/checks/{cuda|opengl}` (a failed check is still answered with 200; `ok` tells).
 */
export type IGpuCheck = ICudaCheck | IOpenGLCheck;

/**
 * The CUDA check: a subprocess initialises CUDA, creates a context and copies 1 MiB to the GPU and back.
 */
export interface ICudaCheck {
  /**
   * Which check this is.
   */
  check: 'cuda';
  /**
   * Whether the check passed.
   */
  ok: boolean;
  /**
   * One sentence for the user, e.g. `CUDA works: 1 device(s), …`.
   */
  summary: string;
  /**
   * What failed; `null` when the check passed.
   */
  error: string | null;
  /**
   * How long the check took, in milliseconds.
   */
  duration_ms: number;
  details: ICudaProbe;
}
/**
 * What the CUDA probe printed; empty when it timed out or crashed. Keys appear as far as the probe got.
 */
export interface ICudaProbe {
  /**
   * Whether the copy came back equal.
   */
  ok?: boolean;
  /**
   * The failing CUDA call and its error name.
   */
  error?: string;
  /**
   * The CUDA error code (e.g. 100: no device).
   */
  cuda_error?: number;
  /**
   * `cuDriverGetVersion`, e.g. 12080.
   */
  driver_version?: number;
  /**
   * Devices CUDA sees.
   */
  device_count?: number;
  /**
   * Name of device 0.
   */
  device_name?: string;
  /**
   * Milliseconds for the 1 MiB copy there and back.
   */
  alloc_copy_ms?: number;
  /**
   * Milliseconds from `cuInit` to the context.
   */
  init_ms?: number;
}
/**
 * The OpenGL check: the renderer of a running desktop, else `glxinfo -B` in a throwaway Xvnc.
 */
export interface IOpenGLCheck {
  /**
   * Which check this is.
   */
  check: 'opengl';
  /**
   * Whether the check passed.
   */
  ok: boolean;
  /**
   * One sentence for the user, e.g. `CUDA works: 1 device(s), …`.
   */
  summary: string;
  /**
   * What failed; `null` when the check passed.
   */
  error: string | null;
  /**
   * How long the check took, in milliseconds.
   */
  duration_ms: number;
  /**
   * The renderer report it is based on: a running desktop's, or `glxinfo -B` in a throwaway Xvnc on a private socket (the renderer, or only the error).
   */
  details: IRendererReport | IXvncRendererFound | IXvncRendererError;
  /**
   * Whether a GPU renders (not llvmpipe/softpipe).
   */
  accelerated: boolean;
  /**
   * The `GL_RENDERER` string; `null` when none was found.
   */
  renderer: string | null;
  /**
   * The `GL_VENDOR` string.
   */
  vendor: string | null;
  /**
   * The rendering mode: `software`, `egl`, `sidecar`, or `unknown` (an accelerated throwaway X server).
   */
  mode: string | null;
  /**
   * Where the renderer was read: a running `desktop`, or a `throwaway-xvnc`.
   */
  source: 'desktop' | 'throwaway-xvnc';
}
/**
 * The renderer `glxinfo -B` found in the throwaway Xvnc.
 */
export interface IXvncRendererFound {
  /**
   * The OpenGL renderer string.
   */
  renderer: string;
  /**
   * The OpenGL vendor string.
   */
  vendor: string | null;
  /**
   * The OpenGL version string.
   */
  version: string | null;
  /**
   * Whether a GPU renders; `null` when unknown.
   */
  accelerated: boolean | null;
  /**
   * `software`, or `unknown` when a GPU renders.
   */
  mode: 'software' | 'unknown';
  /**
   * The throwaway X display (gone by now).
   */
  display: string;
}
/**
 * Why the throwaway Xvnc check could not run.
 */
export interface IXvncRendererError {
  /**
   * Why the check could not run (Xvnc or glxinfo missing, timeout, glxinfo failed).
   */
  error: string;
}
