/**
 * Pure helpers of the desktop viewer (no JupyterLab or noVNC imports: unit-tested).
 */

import type {
  IBackendInfo,
  IRendererReport
} from '@jupyter-workbench/services';

/**
 * What the viewer does when its connection closed without being asked to:
 * `stopped` (show "Stopped" with Start; never restart on its own), `restarting` (a
 * restart of the user is under way: wait for it), `disconnected` (show Reconnect) or
 * `reconnect` (try again with backoff).
 */
export type DisconnectAction =
  'stopped' | 'restarting' | 'disconnected' | 'reconnect';

/**
 * The reconnect policy: only crashes and network drops reconnect automatically.
 *
 * - The user's Stop (`intent: 'stop'`) keeps the desktop stopped, and so does a desktop
 *   the server reports `stopped` or `stopping` (stopped from another tab or browser, or
 *   its session logged out).
 * - The user's Restart waits for the restart.
 * - An authentication failure, or automatic reconnect switched off, asks the user.
 * - Otherwise (the server says `running`, `starting` or `failed` — a crash it restarts —
 *   or the server cannot be reached: `serverState` null) the viewer reconnects.
 */
export function afterDisconnect(options: {
  intent: 'stop' | 'restart' | null;
  serverState: IBackendInfo['state'] | null;
  reconnect: boolean;
  securityFailure: boolean;
}): DisconnectAction {
  if (options.intent === 'stop') {
    return 'stopped';
  }
  if (options.intent === 'restart') {
    return 'restarting';
  }
  if (options.serverState === 'stopped' || options.serverState === 'stopping') {
    return 'stopped';
  }
  if (options.securityFailure || !options.reconnect) {
    return 'disconnected';
  }
  return 'reconnect';
}

/**
 * Delay in milliseconds before reconnect attempt `attempt` (1-based): 0.5 s doubling,
 * capped at 15 s, with up to 20 % jitter from `random` (0..1).
 */
export function reconnectDelay(attempt: number, random = 0.5): number {
  const base = Math.min(15000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.9 + 0.2 * random));
}

/**
 * The WebSocket URL of a proxied path (`/user/alice/desktop/`) seen from `location`.
 */
export function websocketUrl(
  path: string,
  location: { protocol: string; host: string }
): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}

/**
 * The remote desktop size to ask for: the tab's CSS size, times the device pixel ratio
 * when HiDPI is on, rounded down to even numbers (some encoders want them), at least 320×200.
 */
export function remoteSize(
  cssWidth: number,
  cssHeight: number,
  devicePixelRatio: number,
  hidpi: boolean
): { width: number; height: number } {
  const ratio = hidpi ? Math.max(1, devicePixelRatio) : 1;
  const even = (value: number, min: number) =>
    Math.max(min, Math.floor((value * ratio) / 2) * 2);
  return { width: even(cssWidth, 320), height: even(cssHeight, 200) };
}

/**
 * A renderer report from the server (`GET workbench/api/desktops/{name}/renderer`, and a
 * desktop's `renderer` in its status); the type is generated from the wire contract.
 */
export type { IRendererReport };

/**
 * Short names of the rendering modes in the badge (both GLX modes run VirtualGL's GLX
 * back end: on a sidecar's X server or on the Xorg Workbench starts).
 */
const MODE_LABELS: Record<string, string> = {
  sidecar: 'GLX',
  xorg: 'GLX',
  egl: 'EGL'
};

/**
 * Badge text for a renderer report, with its two facts apart: whether VirtualGL is in use
 * (`virtualgl`) and whether a GPU renders (`accelerated`), as the server's
 * `renderer_summary` says them in GPU modes: "VirtualGL (EGL) · NVIDIA H200",
 * "VirtualGL (GLX) · llvmpipe, not accelerated", "EGL, VirtualGL not in use · …". In
 * software mode (no VirtualGL by choice) it stays short: "Software (llvmpipe)".
 * "Renderer unknown" when the check failed, null before there is a report. The toolbar
 * styles the badge as a warning when `accelerated` is not true.
 */
export function rendererBadge(
  report: IRendererReport | null | undefined,
  __: Translate = format
): string | null {
  if (!report) {
    return null;
  }
  if (!report.renderer) {
    return report.error ? __('Renderer unknown') : null;
  }
  const renderer =
    report.renderer.split(' (')[0].split('/')[0].trim() || report.renderer;
  const mode = report.mode ?? 'software';
  if (mode === 'software') {
    return report.accelerated ? renderer : __('Software (%1)', renderer);
  }
  const label = MODE_LABELS[mode] ?? mode;
  const how = report.virtualgl
    ? __('VirtualGL (%1)', label)
    : __('%1, VirtualGL not in use', label);
  return report.accelerated
    ? __('%1 · %2', how, renderer)
    : __('%1 · %2, not accelerated', how, renderer);
}

/**
 * A translation function with `%1`-style arguments (`TranslationBundle.__`).
 */
export type Translate = (msgid: string, ...args: unknown[]) => string;

/**
 * The untranslated `Translate`: fills in `%1`, `%2`, ….
 */
export function format(msgid: string, ...args: unknown[]): string {
  return msgid.replace(/%(\d+)/g, (whole, n) =>
    Number(n) - 1 < args.length ? String(args[Number(n) - 1]) : whole
  );
}

/**
 * X11 keysyms of the keys the key menu sends.
 */
export const KEYSYMS = {
  Control_L: 0xffe3,
  Alt_L: 0xffe9,
  Escape: 0xff1b,
  Tab: 0xff09,
  F1: 0xffbe
} as const;

/**
 * A key chord: the keysyms and DOM codes pressed in order and released in reverse.
 */
export type Chord = Array<[number, string]>;

/**
 * The chords of the key menu, by label.
 */
export function keyChords(): Record<string, Chord> {
  const chords: Record<string, Chord> = {
    'Ctrl+Esc': [
      [KEYSYMS.Control_L, 'ControlLeft'],
      [KEYSYMS.Escape, 'Escape']
    ],
    'Alt+Tab': [
      [KEYSYMS.Alt_L, 'AltLeft'],
      [KEYSYMS.Tab, 'Tab']
    ],
    'Alt+F4': [
      [KEYSYMS.Alt_L, 'AltLeft'],
      [KEYSYMS.F1 + 3, 'F4']
    ]
  };
  for (let n = 1; n <= 12; n++) {
    chords[`F${n}`] = [[KEYSYMS.F1 + n - 1, `F${n}`]];
  }
  return chords;
}
