import type RFB from '@novnc/novnc';
import {
  IBackendInfo,
  IBackendStatus,
  WorkbenchAPIError,
  WorkbenchClient
} from '@jupyter-workbench/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  Chord,
  IRendererReport,
  reconnectDelay,
  remoteSize,
  rendererBadge,
  websocketUrl
} from './logic';

/**
 * Viewer settings (from the settings registry).
 */
export interface IViewerSettings {
  /** remote: resize the session; fit: scale to the tab; none: 1:1. */
  scaling: 'remote' | 'fit' | 'none';
  /** Ask for CSS size × devicePixelRatio. */
  hidpi: boolean;
  /** JPEG quality 0–9. */
  quality: number;
  /** Compression level 0–9. */
  compression: number;
  /** Ignore local input. */
  viewOnly: boolean;
  /** Reconnect automatically. */
  reconnect: boolean;
}

/**
 * Connection states shown in the toolbar.
 */
export type ConnectionState =
  | 'starting'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'disconnected'
  | 'failed';

/**
 * A remote desktop in a JupyterLab tab: starts the backend (progress, logs on failure),
 * then connects noVNC — loaded lazily — to the desktop's WebSocket, and reconnects with
 * backoff when the connection drops.
 */
export class DesktopViewer extends Widget {
  /**
   * Create a viewer for `backend`.
   */
  constructor(options: DesktopViewer.IOptions) {
    super();
    this.addClass('jp-WorkbenchDesktop');
    this.backend = options.backend;
    this._client = options.client;
    this._trans = options.trans;
    this.settings = { ...options.settings };
    this.node.dataset.backend = this.backend.name;
    this.node.tabIndex = -1;
    this._screen = document.createElement('div');
    this._screen.className = 'jp-WorkbenchDesktop-screen';
    this._overlay = document.createElement('div');
    this._overlay.className = 'jp-WorkbenchDesktop-overlay';
    this.node.append(this._screen, this._overlay);
    this._setState('starting');
  }

  /** The desktop's catalogue entry. */
  readonly backend: IBackendInfo;

  /** Current viewer settings. */
  settings: IViewerSettings;

  /** The connection state. */
  get state(): ConnectionState {
    return this._state;
  }

  /** Emitted when the connection state, renderer or remote clipboard changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The renderer badge text, once known. */
  get renderer(): string | null {
    return this._renderer;
  }

  /** The last text the desktop put on its clipboard. */
  get remoteClipboard(): string {
    return this._remoteClipboard;
  }

  /** The noVNC connection (while connected). */
  get rfb(): RFB | null {
    return this._rfb;
  }

  /**
   * Start the desktop if needed, then connect.
   */
  async connect(): Promise<void> {
    this._userDisconnected = false;
    this._clearRetry();
    this._setState(this._attempts > 0 ? 'reconnecting' : 'starting');
    const started = await this._ensureStarted();
    if (!started || this.isDisposed) {
      return;
    }
    this._setState(this._attempts > 0 ? 'reconnecting' : 'connecting');
    const { default: RFBClass } = await import('@novnc/novnc');
    if (this.isDisposed) {
      return;
    }
    this._disposeRfb();
    const url = websocketUrl(this.backend.url, window.location);
    const rfb = new RFBClass(this._screen, url, { shared: true });
    this._rfb = rfb;
    this._applySettings();
    rfb.addEventListener('connect', () => {
      this._attempts = 0;
      this._overlay.hidden = true;
      this._setState('connected');
      this._resizeRemote();
      void this._fetchRenderer();
    });
    rfb.addEventListener('disconnect', () => {
      if (this._rfb !== rfb) {
        return;
      }
      this._rfb = null;
      if (this._userDisconnected || this.isDisposed) {
        this._setState('disconnected');
        return;
      }
      this._scheduleReconnect();
    });
    rfb.addEventListener('clipboard', (event: Event) => {
      const text = (event as CustomEvent<{ text: string }>).detail.text;
      this._remoteClipboard = text;
      this._changed.emit();
      if (navigator.clipboard?.writeText && document.hasFocus()) {
        navigator.clipboard.writeText(text).catch(() => undefined);
      }
    });
  }

  /**
   * Disconnect and forget the connection (no automatic reconnect).
   */
  disconnect(): void {
    this._userDisconnected = true;
    this._clearRetry();
    this._disposeRfb();
    this._setState('disconnected');
  }

  /**
   * Drop the connection and connect again at once.
   */
  reconnect(): void {
    this._attempts = 0;
    this._disposeRfb();
    void this.connect();
  }

  /**
   * Send a key chord (pressed in order, released in reverse).
   */
  sendChord(chord: Chord): void {
    const rfb = this._rfb;
    if (!rfb) {
      return;
    }
    for (const [keysym, code] of chord) {
      rfb.sendKey(keysym, code, true);
    }
    for (const [keysym, code] of [...chord].reverse()) {
      rfb.sendKey(keysym, code, false);
    }
    rfb.focus();
  }

  /**
   * Send Ctrl-Alt-Del.
   */
  sendCtrlAltDel(): void {
    this._rfb?.sendCtrlAltDel();
  }

  /**
   * Put `text` on the desktop's clipboard.
   */
  pasteToRemote(text: string): void {
    this._rfb?.clipboardPasteFrom(text);
  }

  /**
   * Apply changed settings to the live connection.
   */
  updateSettings(settings: Partial<IViewerSettings>): void {
    this.settings = { ...this.settings, ...settings };
    this._applySettings();
    this._resizeRemote();
    this._changed.emit();
  }

  /**
   * Show the desktop full screen.
   */
  async fullscreen(): Promise<void> {
    await this.node.requestFullscreen?.();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._userDisconnected = true;
    this._clearRetry();
    this._disposeRfb();
    super.dispose();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    if (this._resizeTimer !== null) {
      window.clearTimeout(this._resizeTimer);
    }
    this._resizeTimer = window.setTimeout(() => {
      this._resizeTimer = null;
      this._resizeRemote();
    }, 200);
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this._rfb?.focus();
    if (navigator.clipboard?.readText && this._rfb && !this.settings.viewOnly) {
      // Local → remote clipboard where the browser allows reading it.
      navigator.clipboard
        .readText()
        .then(text => {
          if (text && text !== this._lastLocalClipboard) {
            this._lastLocalClipboard = text;
            this._rfb?.clipboardPasteFrom(text);
          }
        })
        .catch(() => undefined);
    }
  }

  private async _ensureStarted(): Promise<boolean> {
    const progress = window.setInterval(() => void this._showProgress(), 400);
    try {
      const status = await this._client.start(this.backend.name);
      if (status.state !== 'running') {
        this._showFailure(
          status.error ?? this._trans.__('The desktop did not start.'),
          status
        );
        return false;
      }
      return true;
    } catch (error) {
      const body = (error as WorkbenchAPIError).body as
        IBackendStatus | undefined;
      this._showFailure(
        String((error as Error).message ?? error),
        body ?? null
      );
      return false;
    } finally {
      window.clearInterval(progress);
    }
  }

  private async _showProgress(): Promise<void> {
    try {
      const status = await this._client.getBackend(this.backend.name);
      if (status.state !== 'starting') {
        return;
      }
      this._renderOverlay(
        this._trans.__('Starting %1…', this.backend.title),
        this._trans.__('%1 s elapsed', (status.elapsed ?? 0).toFixed(1)),
        status.log_tail
      );
    } catch {
      // The start request reports errors.
    }
  }

  private _showFailure(message: string, status: IBackendStatus | null): void {
    this._setState('failed');
    this._renderOverlay(
      this._trans.__('%1 could not be started', this.backend.title),
      message,
      status?.log_tail ?? [],
      true
    );
  }

  private _renderOverlay(
    title: string,
    message: string,
    log: string[],
    retry = false
  ): void {
    const overlay = this._overlay;
    overlay.hidden = false;
    overlay.replaceChildren();
    const heading = document.createElement('h2');
    heading.textContent = title;
    const text = document.createElement('p');
    text.className = 'jp-WorkbenchDesktop-message';
    text.textContent = message;
    overlay.append(heading, text);
    if (retry) {
      const button = document.createElement('button');
      button.className = 'jp-Button jp-mod-styled jp-mod-accept';
      button.textContent = this._trans.__('Retry');
      button.addEventListener('click', () => {
        this._attempts = 0;
        void this.connect();
      });
      overlay.appendChild(button);
    }
    if (log.length) {
      const pre = document.createElement('pre');
      pre.className = 'jp-WorkbenchDesktop-log';
      pre.textContent = log.join('\n');
      overlay.appendChild(pre);
    }
  }

  private _scheduleReconnect(): void {
    if (!this.settings.reconnect) {
      this._setState('disconnected');
      this._renderOverlay(
        this._trans.__('Disconnected'),
        this._trans.__('The connection to the desktop was closed.'),
        [],
        true
      );
      return;
    }
    this._attempts += 1;
    const delay = reconnectDelay(this._attempts, Math.random());
    this._setState('reconnecting');
    this._retryTimer = window.setTimeout(() => {
      this._retryTimer = null;
      void this.connect();
    }, delay);
  }

  private _clearRetry(): void {
    if (this._retryTimer !== null) {
      window.clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
  }

  private _applySettings(): void {
    const rfb = this._rfb;
    if (!rfb) {
      return;
    }
    const { scaling, hidpi } = this.settings;
    const dpr = window.devicePixelRatio || 1;
    // HiDPI: ask for a larger desktop ourselves and let noVNC scale it down to the tab.
    const ownResize = scaling === 'remote' && hidpi && dpr > 1;
    rfb.resizeSession = scaling === 'remote' && !ownResize;
    rfb.scaleViewport = scaling === 'fit' || ownResize;
    rfb.clipViewport = scaling === 'none';
    rfb.qualityLevel = this.settings.quality;
    rfb.compressionLevel = this.settings.compression;
    rfb.viewOnly = this.settings.viewOnly;
    rfb.focusOnClick = true;
    this.node.dataset.scaling = scaling;
  }

  private _resizeRemote(): void {
    const rfb = this._rfb as any;
    const dpr = window.devicePixelRatio || 1;
    if (
      !rfb ||
      this.settings.scaling !== 'remote' ||
      !this.settings.hidpi ||
      dpr <= 1
    ) {
      return;
    }
    const { width, height } = remoteSize(
      this._screen.clientWidth,
      this._screen.clientHeight,
      dpr,
      true
    );
    // noVNC sizes sessions in CSS pixels; SetDesktopSize with the device size keeps HiDPI sharp.
    const RFBClass = rfb.constructor as typeof RFB;
    if (
      rfb._supportsSetDesktopSize &&
      rfb._sock &&
      RFBClass.messages?.setDesktopSize
    ) {
      RFBClass.messages.setDesktopSize(
        rfb._sock,
        width,
        height,
        rfb._screenID ?? 0,
        rfb._screenFlags ?? 0
      );
    }
  }

  private async _fetchRenderer(): Promise<void> {
    const url = this._client.apiUrl(
      'desktops',
      encodeURIComponent(this.backend.name),
      'renderer'
    );
    for (let attempt = 0; attempt < 5 && !this.isDisposed; attempt++) {
      try {
        const report = await this._client.request<IRendererReport>(url);
        this._renderer = rendererBadge(report);
        this._rendererReport = report;
        this._changed.emit();
        return;
      } catch (error) {
        if ((error as WorkbenchAPIError).status !== 409) {
          return;
        }
        await new Promise(resolve => setTimeout(resolve, 1000));
      }
    }
  }

  private _disposeRfb(): void {
    const rfb = this._rfb;
    this._rfb = null;
    if (rfb) {
      try {
        rfb.disconnect();
      } catch {
        // Already closed.
      }
    }
    this._screen.replaceChildren();
  }

  private _setState(state: ConnectionState): void {
    this._state = state;
    this.node.dataset.state = state;
    this._changed.emit();
  }

  /** The full renderer report, once known. */
  get rendererReport(): IRendererReport | null {
    return this._rendererReport;
  }

  private _attempts = 0;
  private _changed = new Signal<this, void>(this);
  private _client: WorkbenchClient;
  private _lastLocalClipboard = '';
  private _overlay: HTMLElement;
  private _remoteClipboard = '';
  private _renderer: string | null = null;
  private _rendererReport: IRendererReport | null = null;
  private _resizeTimer: number | null = null;
  private _retryTimer: number | null = null;
  private _rfb: RFB | null = null;
  private _screen: HTMLElement;
  private _state: ConnectionState = 'starting';
  private _trans: TranslationBundle;
  private _userDisconnected = false;
}

/**
 * The viewer's types.
 */
export namespace DesktopViewer {
  /**
   * Options of the viewer.
   */
  export interface IOptions {
    /** The desktop's catalogue entry. */
    backend: IBackendInfo;
    /** The REST client. */
    client: WorkbenchClient;
    /** Viewer settings. */
    settings: IViewerSettings;
    /** Translations. */
    trans: TranslationBundle;
  }
}
