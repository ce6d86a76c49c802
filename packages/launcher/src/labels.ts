import type { IBackendInfo, IWorkbench } from '@jupyter-workbench/services';

/**
 * The part of a translation bundle the labels need.
 */
export interface ITrans {
  /** Translate `msgid`, substituting %1, %2, … with `args`. */
  __(msgid: string, ...args: any[]): string;
}

/**
 * User settings of the launcher plugin.
 */
export interface ILauncherSettings {
  /** Per-backend override of where it opens. */
  openIn: Record<string, 'tab' | 'window'>;
  /** Catalogue poll interval in seconds. */
  pollInterval: number;
  /** Seconds between status polls while a backend starts. */
  progressInterval: number;
  startOnIntent: string[];
  intentDelay: number;
}

/**
 * The settings' defaults (as in `schema/plugin.json`).
 */
export const DEFAULT_SETTINGS: Readonly<ILauncherSettings> = {
  openIn: {},
  pollInterval: 10,
  progressInterval: 0.5,
  startOnIntent: [],
  intentDelay: 300
};

/**
 * Where to open `backend`: explicit option, then user setting, then the server's default.
 */
export function openInFor(
  backend: IBackendInfo,
  options: IWorkbench.IOpenOptions,
  settings: ILauncherSettings,
  hasLauncher: boolean
): 'tab' | 'window' {
  if (!hasLauncher) {
    return 'window';
  }
  return options.openIn ?? settings.openIn[backend.name] ?? backend.open_in;
}

/**
 * The tile label: the title, with the state when it is not the idle one.
 */
export function tileLabel(backend: IBackendInfo, trans: ITrans): string {
  if (!backend.available) {
    return trans.__('%1 (not installed)', backend.title);
  }
  switch (backend.state) {
    case 'starting':
      return trans.__('%1 (starting…)', backend.title);
    case 'running':
      return trans.__('%1 (running)', backend.title);
    case 'failed':
      return trans.__('%1 (failed)', backend.title);
    case 'stopping':
      return trans.__('%1 (stopping…)', backend.title);
    default:
      return backend.title;
  }
}

/**
 * The tile tooltip: description, version, or why it is unavailable.
 */
export function tileCaption(backend: IBackendInfo, trans: ITrans): string {
  if (!backend.available) {
    return trans.__(
      '%1 is not available: %2',
      backend.title,
      backend.reason ?? ''
    );
  }
  const version = backend.version ? ` (${backend.version})` : '';
  return `${backend.description || backend.title}${version}`;
}
