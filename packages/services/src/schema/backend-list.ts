/*
 * Generated from server-ext/jupyter_workbench/schemas/backend-list.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

import type { IBackendInfo } from './backend-info';

/**
 * The backend catalogue (`GET workbench/api/backends[?refresh=1]`).
 */
export interface IBackendList {
  /**
   * Every backend, in catalogue order.
   */
  backends: IBackendInfo[];
}
