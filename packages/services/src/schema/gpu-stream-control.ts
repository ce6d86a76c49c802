/*
 * Generated from server-ext/jupyter_workbench/schemas/gpu-stream-control.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

/**
 * A message the client sends on the GPU stream: `pause` stops the pushes (the panel is hidden), `resume` restarts them with the latest snapshot. Anything else is ignored.
 */
export interface IGpuStreamControl {
  /**
   * What the client asks for.
   */
  type: 'pause' | 'resume';
}
