import { LabIcon } from '@jupyterlab/ui-components';

import appSvg from '../style/icons/app.svg';
import desktop3dSvg from '../style/icons/desktop-3d.svg';
import desktopSvg from '../style/icons/desktop.svg';
import rstudioSvg from '../style/icons/rstudio.svg';
import vscodeSvg from '../style/icons/vscode.svg';
import workbenchSvg from '../style/icons/workbench.svg';

/**
 * Icon of remote desktop tiles.
 */
export const desktopIcon = new LabIcon({
  name: 'workbench:desktop',
  svgstr: desktopSvg
});

/**
 * Icon of the VS Code tile.
 */
export const vscodeIcon = new LabIcon({
  name: 'workbench:vscode',
  svgstr: vscodeSvg
});

/**
 * Icon of the RStudio tile.
 */
export const rstudioIcon = new LabIcon({
  name: 'workbench:rstudio',
  svgstr: rstudioSvg
});

/**
 * Icon of admin-defined backends without an icon of their own.
 */
export const appIcon = new LabIcon({ name: 'workbench:app', svgstr: appSvg });

/**
 * Icon of the Workbench itself (palette, empty states).
 */
export const workbenchIcon = new LabIcon({
  name: 'workbench:workbench',
  svgstr: workbenchSvg
});

/**
 * Icon of 3D (GPU-accelerated) desktop tiles.
 */
export const desktop3dIcon = new LabIcon({
  name: 'workbench:desktop-3d',
  svgstr: desktop3dSvg
});

const BUILTIN: { [id: string]: LabIcon } = {
  desktop: desktopIcon,
  'desktop-3d': desktop3dIcon,
  vscode: vscodeIcon,
  rstudio: rstudioIcon,
  app: appIcon
};

const custom = new Map<string, LabIcon>();
const tiles = new Map<string, LabIcon>();

/**
 * The icon for a catalogue entry: a built-in id, or the backend's own SVG markup.
 */
export function iconFor(name: string, icon: string): LabIcon {
  if (BUILTIN[icon]) {
    return BUILTIN[icon];
  }
  if (icon.trim().startsWith('<svg')) {
    let labIcon = custom.get(name);
    if (!labIcon) {
      labIcon = new LabIcon({
        name: `workbench:backend-${name}`,
        svgstr: icon
      });
      custom.set(name, labIcon);
    }
    return labIcon;
  }
  return appIcon;
}

/**
 * The launcher-tile icon of a backend in a given state.
 *
 * The SVG root carries `data-workbench-tile` (backend name) and `data-workbench-state`
 * (its state, or `unavailable`), so styles and tests can find the tile and its state.
 */
export function tileIconFor(
  name: string,
  icon: string,
  state: string
): LabIcon {
  const key = `${name}/${state}/${icon.length}`;
  let labIcon = tiles.get(key);
  if (!labIcon) {
    const svgstr = iconFor(name, icon).svgstr.replace(
      '<svg',
      `<svg data-workbench-tile="${name}" data-workbench-state="${state}"`
    );
    labIcon = new LabIcon({ name: `workbench:tile-${name}-${state}`, svgstr });
    tiles.set(key, labIcon);
  }
  return labIcon;
}
