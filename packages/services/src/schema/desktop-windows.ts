/*
 * Generated from server-ext/jupyter_workbench/schemas/desktop-windows.json
 * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.
 */

/**
 * The application windows open on a running desktop (`GET workbench/api/desktops/{name}/windows`): the UI asks before stopping a desktop that has some, since stopping closes them.
 */
export interface IDesktopWindows {
  /**
   * The desktop's name.
   */
  name: string;
  /**
   * How many visible top-level application windows the desktop has (the desktop's own panels, backgrounds and docks are not counted); `null` when they could not be counted (no `xdotool`).
   */
  count: number | null;
  /**
   * Their titles, in stacking order (at most 50).
   *
   * @maxItems 50
   */
  titles: string[];
}
