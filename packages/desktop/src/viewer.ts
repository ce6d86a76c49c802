import type RFB from '@novnc/novnc';
import {
  desktopExtras,
  IBackendInfo,
  IBackendStatus,
  IWorkbench,
  StartModel,
  StartView,
  WorkbenchAPIError,
  WorkbenchClient
} from '@jupyter-workbench/services';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { PanelLayout, Widget } from '@lumino/widgets';

import { installHiDpiResize, IResizableRFB } from './hidpi';
import {
  afterDisconnect,
  Chord,
  IRendererReport,
  reconnectDelay,
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
  | 'restarting'
  | 'stopped'
  | 'failed';

/**
 * A remote desktop in a JupyterLab tab: starts the backend (the shared start view:
 * progress, logs and Retry on failure), then connects noVNC — loaded lazily — to the
 * desktop's WebSocket, and reconnects with backoff when the connection drops.
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
    this._trans = options.translator.load('jupyter-workbench');
    this._progressInterval = options.progressInterval ?? (() => undefined);
    this.settings = { ...options.settings };
    this.node.dataset.backend = this.backend.name;
    this.node.tabIndex = -1;
    this._screen = document.createElement('div');
    this._screen.className = 'jp-WorkbenchDesktop-screen';
    this.start = new StartModel({
      client: this._client,
      name: this.backend.name,
      title: this.backend.title,
      pollInterval: this._progressInterval(),
      onRetry: this._retryNow
    });
    const overlay = new StartView({
      model: this.start,
      translator: options.translator
    });
    overlay.addClass('jp-WorkbenchDesktop-overlay');
    const layout = (this.layout = new PanelLayout());
    layout.addWidget(new Widget({ node: this._screen }));
    layout.addWidget(overlay);
    this._setState('starting');
    window.addEventListener('focus', this._onWindowFocus);
    this._lifecycle = options.lifecycle ?? null;
    this._lifecycle?.connect(this._onLifecycle, this);
  }

  /** The desktop's catalogue entry. */
  readonly backend: IBackendInfo;

  /** The start view's model (progress, failure, connection notices). */
  readonly start: StartModel;

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
   * Start the desktop if needed (the server restarts a dead Xvnc), then connect.
   *
   * The WebSocket opens only once the backend reports "running", so the first
   * connection never races the VNC server's start; noVNC's chunk is fetched meanwhile.
   */
  async connect(): Promise<void> {
    const generation = ++this._generation;
    const current = () => generation === this._generation && !this.isDisposed;
    this._userDisconnected = false;
    this._intent = null;
    this._clearRetry();
    this._setState(this._attempts > 0 ? 'reconnecting' : 'starting');
    // noVNC's lazy chunk is fetched while the desktop starts: neither waits for the other.
    const novnc = import('@novnc/novnc');
    novnc.catch(() => undefined); // Awaited below; not an unhandled rejection meanwhile.
    const started = await this._ensureStarted(current);
    if (!started || !current()) {
      return;
    }
    this._setState(this._attempts > 0 ? 'reconnecting' : 'connecting');
    const { default: RFBClass } = await novnc;
    if (!current()) {
      return;
    }
    this._disposeRfb();
    const url = websocketUrl(this.backend.url, window.location);
    const rfb = new RFBClass(this._screen, url, { shared: true });
    this._rfb = rfb;
    this._hidpi = installHiDpiResize(rfb as unknown as IResizableRFB, () =>
      this._pixelRatio()
    );
    this._applySettings();
    rfb.addEventListener('connect', () => {
      this._attempts = 0;
      this.start.running();
      this._setState('connected');
      if (!this._rendererFresh) {
        void this._fetchRenderer();
      }
    });
    rfb.addEventListener('disconnect', () => {
      if (this._rfb !== rfb) {
        return;
      }
      this._rfb = null;
      if (this.isDisposed || this._intent) {
        return; // The user's Stop or Restart shows itself.
      }
      if (this._userDisconnected) {
        this._setState('disconnected');
        return;
      }
      void this._onDropped(generation);
    });
    rfb.addEventListener('securityfailure', (event: Event) => {
      const reason = (event as CustomEvent<{ reason?: string }>).detail?.reason;
      this._securityFailure = reason || this._trans.__('Authentication failed');
    });
    rfb.addEventListener('clipboard', (event: Event) => {
      const text = (event as CustomEvent<{ text: string }>).detail.text;
      this._remoteClipboard = text;
      this._changed.emit();
      if (navigator.clipboard?.writeText && document.hasFocus()) {
        // Remote → local through the async Clipboard API where the browser allows it.
        this._lastLocalClipboard = text;
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
    this._userDisconnected = true;
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
    this._generation++;
    this._clearRetry();
    this._disposeRfb();
    window.removeEventListener('focus', this._onWindowFocus);
    this._lifecycle?.disconnect(this._onLifecycle, this);
    this.start.dispose();
    super.dispose();
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this._rfb?.focus();
    this._pullLocalClipboard();
  }

  /**
   * Local → remote clipboard where the browser allows reading it (the async Clipboard
   * API; Chromium asks the user once). Runs when the tab is activated and when the
   * browser window gets the focus back (after copying something in another program).
   */
  private _pullLocalClipboard(): void {
    if (
      !navigator.clipboard?.readText ||
      !this._rfb ||
      this._state !== 'connected' ||
      this.settings.viewOnly ||
      !this.isVisible
    ) {
      return;
    }
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

  private _onWindowFocus = (): void => {
    this._pullLocalClipboard();
  };

  /**
   * The user stopped or restarted this desktop (tile menu, command, Running panel, the
   * toolbar): the view follows the intent instead of reconnecting on its own.
   */
  private _onLifecycle(_: unknown, change: IWorkbench.ILifecycleRequest): void {
    if (change.name !== this.backend.name || this.isDisposed) {
      return;
    }
    this._intent = change.action;
    this._generation++;
    this._attempts = 0;
    this._clearRetry();
    this._disposeRfb();
    if (change.action === 'stop') {
      this._showStopped('user', null);
      change.request
        .then(status => {
          if (this._intent === 'stop') {
            this._showStopped('user', status);
          }
        })
        .catch(() => undefined);
      return;
    }
    void this._followRestart(change.request);
  }

  private async _followRestart(
    request: Promise<IBackendStatus>
  ): Promise<void> {
    const generation = this._generation;
    this._setState('restarting');
    const status = await this.start.start({ request });
    if (generation !== this._generation || this.isDisposed) {
      return;
    }
    if (!status) {
      this._intent = null;
      this._setState('failed');
      return;
    }
    void this.connect();
  }

  private _showStopped(
    by: StartModel.StopCause,
    status: IBackendStatus | null
  ): void {
    this._clearRetry();
    this.start.stopped(by, status);
    this._setState('stopped');
  }

  /**
   * The connection closed without the user asking: ask the server whether the
   * desktop still runs, then follow the reconnect policy ({@link afterDisconnect}).
   */
  private async _onDropped(generation: number): Promise<void> {
    let status: IBackendStatus | null = null;
    try {
      status = await this._client.getBackend(this.backend.name);
    } catch {
      status = null; // The server cannot be reached: a network drop.
    }
    if (generation !== this._generation || this.isDisposed || this._rfb) {
      return;
    }
    const action = afterDisconnect({
      intent: this._intent,
      serverState: status?.state ?? null,
      reconnect: this.settings.reconnect,
      securityFailure: this._securityFailure !== null
    });
    if (action === 'stopped') {
      this._showStopped('backend', status);
    } else if (action !== 'restarting') {
      this._scheduleReconnect();
    }
  }

  private async _ensureStarted(current: () => boolean): Promise<boolean> {
    const reconnecting = this._attempts > 0;
    const interval = this._progressInterval();
    if (interval) {
      this.start.pollInterval = interval;
    }
    if (reconnecting) {
      // Never start a desktop that was stopped meanwhile (from another tab, a logout).
      let known: IBackendStatus | null = null;
      try {
        known = await this._client.getBackend(this.backend.name);
      } catch {
        known = null;
      }
      if (!current()) {
        return false;
      }
      if (known && (known.state === 'stopped' || known.state === 'stopping')) {
        this._showStopped('backend', known);
        return false;
      }
    }
    const status = await this.start.start({ reconnecting });
    if (!current()) {
      return false;
    }
    if (!status) {
      const error = this.start.lastError;
      if (reconnecting && error && !(error instanceof WorkbenchAPIError)) {
        // The Jupyter server itself is gone (restarting?): keep trying.
        this._scheduleReconnect();
        return false;
      }
      this._setState('failed');
      return false;
    }
    // A running desktop's status carries its renderer report once checked.
    const report = desktopExtras(status)?.renderer;
    this._rendererFresh = !!report;
    if (report) {
      this._setRenderer(report);
    }
    this.start.showNotice({
      heading: this._trans.__('Connecting to %1…', this.backend.title),
      message: this._trans.__('The desktop is running; opening its screen.')
    });
    return true;
  }

  private _retryNow = (): void => {
    this._attempts = 0;
    void this.connect();
  };

  private _scheduleReconnect(): void {
    const security = this._securityFailure;
    this._securityFailure = null;
    if (!this.settings.reconnect || security) {
      this._setState('disconnected');
      this.start.showNotice({
        heading: this._trans.__('Disconnected'),
        message:
          security ??
          this._trans.__('The connection to the desktop was closed.'),
        action: { label: this._trans.__('Reconnect'), run: this._retryNow },
        severity: 'error'
      });
      return;
    }
    this._attempts += 1;
    const delay = reconnectDelay(this._attempts, Math.random());
    this._setState('reconnecting');
    this.start.showNotice({
      heading: this._trans.__('Reconnecting to %1…', this.backend.title),
      message: this._trans.__(
        'The connection was lost. Attempt %1 in %2 s.',
        this._attempts,
        (delay / 1000).toFixed(1)
      ),
      action: { label: this._trans.__('Reconnect now'), run: this._retryNow }
    });
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
    const { scaling } = this.settings;
    // Remote resize asks for CSS size × devicePixelRatio (HiDPI) and noVNC scales the
    // picture back down to the tab.
    rfb.scaleViewport =
      scaling === 'fit' || (scaling === 'remote' && this._pixelRatio() > 1);
    rfb.clipViewport = scaling === 'none';
    rfb.qualityLevel = this.settings.quality;
    rfb.compressionLevel = this.settings.compression;
    rfb.viewOnly = this.settings.viewOnly;
    rfb.focusOnClick = true;
    // Set last: the setter asks the server for the new size at once.
    rfb.resizeSession = scaling === 'remote';
    this.node.dataset.scaling = scaling;
    this.node.dataset.pixelRatio = String(this._pixelRatio());
  }

  /**
   * The ratio of remote to CSS pixels: devicePixelRatio when HiDPI is on and the
   * session follows the tab (and this noVNC could be taught to ask for it), else 1.
   */
  private _pixelRatio(): number {
    return this.settings.hidpi &&
      this.settings.scaling === 'remote' &&
      this._hidpi !== false
      ? Math.max(1, window.devicePixelRatio || 1)
      : 1;
  }

  private async _fetchRenderer(): Promise<void> {
    // The server checks the renderer with glxinfo once the session is up (409 until then).
    for (let attempt = 0; attempt < 10 && !this.isDisposed; attempt++) {
      try {
        this._setRenderer(await this._client.renderer(this.backend.name));
        return;
      } catch (error) {
        if ((error as WorkbenchAPIError).status !== 409) {
          return;
        }
        await new Promise(resolve => setTimeout(resolve, 1000));
      }
    }
  }

  private _setRenderer(report: IRendererReport): void {
    this._rendererReport = report;
    this._rendererFresh = true;
    this._renderer = rendererBadge(report, (msgid, ...args) =>
      this._trans.__(msgid, ...(args as string[]))
    );
    this._changed.emit();
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
    this._hidpi = null;
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
  private _intent: 'stop' | 'restart' | null = null;
  private _lifecycle: ISignal<IWorkbench, IWorkbench.ILifecycleRequest> | null =
    null;
  private _generation = 0;
  private _hidpi: (() => void) | false | null = null;
  private _rendererFresh = false;
  private _securityFailure: string | null = null;
  private _changed = new Signal<this, void>(this);
  private _client: WorkbenchClient;
  private _lastLocalClipboard = '';
  private _progressInterval: () => number | undefined;
  private _remoteClipboard = '';
  private _renderer: string | null = null;
  private _rendererReport: IRendererReport | null = null;
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
    /** The translator. */
    translator: ITranslator;
    /** Milliseconds between progress polls while the desktop starts (the settings'). */
    progressInterval?: () => number | undefined;
    /** The user's stops and restarts ({@link IWorkbench.lifecycle}), which the view follows. */
    lifecycle?: ISignal<IWorkbench, IWorkbench.ILifecycleRequest>;
  }
}
