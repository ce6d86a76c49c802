/*
 * Generated from server-ext/jupyter_workbench/schemas/backend-logs.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

/**
 * The last lines a backend printed (`GET workbench/api/backends/{name}/logs?lines=N`).
 */
export interface IBackendLogs {
  /**
   * The backend's name.
   */
  name: string;
  /**
   * Up to `lines` (at most 500) lines, oldest first.
   *
   * @maxItems 500
   */
  lines: string[];
}
