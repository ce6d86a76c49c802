/*
 * Generated from server-ext/jupyter_workbench/schemas/gpu-stream-message.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

import type { IGpuSnapshot } from './gpu-snapshot';

/**
 * A message the server pushes on the GPU stream (WebSocket `workbench/api/gpu/stream`): the first snapshot on connect, then one per sample (and on resume).
 */
export interface IGpuStreamMessage {
  /**
   * The message type.
   */
  type: 'snapshot';
  data: IGpuSnapshot;
}
