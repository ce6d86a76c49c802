/*
 * Generated from server-ext/jupyter_workbench/schemas/backend-start.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

/**
 * Body of `POST workbench/api/backends/{name}/start` (optional; none is the same as `{}`).
 */
export interface IBackendStartRequest {
  /**
   * Start on the user's intent (the pointer rests on the backend's tile, or the tile has keyboard focus): the answer comes at once (202) and the backend is stopped again unless it is opened before `intent_deadline` (`WorkbenchApp.intent_timeout` seconds; 409 when that is 0). Default false: start and wait until running or failed.
   */
  intent?: boolean;
}
