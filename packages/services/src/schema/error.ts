/*
 * Generated from server-ext/jupyter_workbench/schemas/error.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

/**
 * The body of every error answered under `workbench/api/` (4xx for bad input, 5xx for a server fault).
 */
export interface IErrorBody {
  error: IErrorDetail;
}
/**
 * What went wrong.
 */
export interface IErrorDetail {
  /**
   * The HTTP status code, repeated in the body.
   */
  status: number;
  /**
   * A message for the user, e.g. `No backend named 'nope'`.
   */
  message: string;
}
