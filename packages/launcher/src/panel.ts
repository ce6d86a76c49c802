import {
  IBackendInfo,
  IWorkbench,
  StartModel,
  StartView
} from '@jupyter-workbench/services';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { IFrame } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Panel } from '@lumino/widgets';

import { framingBlockedReason } from './framing';

/**
 * CSS class of the backend panel.
 */
const PANEL_CLASS = 'jp-WorkbenchPanel';

/**
 * What a proxied web app may do inside its frame: run scripts on JupyterLab's origin
 * (the proxy and Jupyter's auth cookie), submit forms, open pop-ups (sign-in, "open in
 * browser") that leave the sandbox, download files and show `alert`/`confirm`
 * (code-server's "unsaved changes", RStudio's dialogs).
 *
 * Scripts plus same-origin let a framed page lift its own sandbox (browsers warn about
 * it): the apps are the user's own, served by this server through its auth, and need
 * both (service workers, cookies, storage). The sandbox still names what they may do.
 */
export const WEB_APP_SANDBOX: IFrame.SandboxExceptions[] = [
  'allow-scripts',
  'allow-same-origin',
  'allow-forms',
  'allow-popups',
  // Core's type spells this one without its "allow-" prefix; the browser needs it.
  'allow-popups-to-escape-sandbox' as IFrame.SandboxExceptions,
  'allow-downloads',
  'allow-modals'
];

/**
 * Shows a web backend: the shared start view while it starts or when it failed or
 * stopped, then the app in core's `IFrame` (or a new browser tab).
 */
export class BackendPanel extends Panel {
  /**
   * Create a panel for `options.backend`.
   */
  constructor(options: BackendPanel.IOptions) {
    super();
    this.addClass(PANEL_CLASS);
    this.backend = options.backend;
    this._workbench = options.workbench;
    this._trans = (options.translator ?? nullTranslator).load(
      'jupyter-workbench'
    );
    this._openIn = options.openIn;
    this._popup = options.popup ?? null;
    this.id = `workbench-${this.backend.name}`;
    this.title.label = this.backend.title;
    this.title.closable = true;
    this.node.dataset.backend = this.backend.name;
    this.start = new StartModel({
      client: this._workbench.client,
      name: this.backend.name,
      title: this.backend.title,
      pollInterval: this._workbench.progressInterval,
      onRetry: () => void this.launch()
    });
    this.start.stateChanged.connect(this._onStartChanged, this);
    this._view = new StartView({
      model: this.start,
      translator: options.translator
    });
    this._frame = new IFrame({
      sandbox: WEB_APP_SANDBOX,
      referrerPolicy: 'same-origin'
    });
    this._frame.addClass('jp-WorkbenchPanel-frame');
    const iframe = this._frame.node.querySelector('iframe')!;
    iframe.setAttribute('allow', 'clipboard-read; clipboard-write; fullscreen');
    iframe.title = this.backend.title;
    this.addWidget(this._view);
    this._setPhase('starting');
    this._workbench.changed.connect(this._onCatalogueChanged, this);
    this._workbench.lifecycle.connect(this._onLifecycle, this);
  }

  /** The catalogue entry shown. */
  readonly backend: IBackendInfo;

  /** The start view's model. */
  readonly start: StartModel;

  /** Current phase of the panel. */
  get phase(): BackendPanel.Phase {
    return this._phase;
  }

  /** The app's frame (shown while the phase is `running`). */
  get frame(): IFrame {
    return this._frame;
  }

  /**
   * Start the backend (if needed) and show it when it is running.
   */
  async launch(): Promise<void> {
    if (this._launching) {
      return this._launching;
    }
    this._launching = this._launch().finally(() => {
      this._launching = null;
    });
    return this._launching;
  }

  /**
   * Reload the app inside the frame.
   */
  reload(): void {
    if (this._phase === 'running') {
      this._frame.url = this._appUrl();
    } else {
      void this.launch();
    }
  }

  /**
   * Open the app in a new browser tab.
   */
  openInBrowserTab(): void {
    window.open(this._appUrl(), '_blank', 'noopener');
  }

  /**
   * Show the stopped state (after a Stop command).
   */
  showStopped(): void {
    this.start.stopped('user');
  }

  /**
   * Dispose the panel and stop watching the catalogue.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._workbench.changed.disconnect(this._onCatalogueChanged, this);
    this._workbench.lifecycle.disconnect(this._onLifecycle, this);
    this.start.dispose();
    this._frame.dispose();
    super.dispose();
  }

  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  private async _launch(): Promise<void> {
    this.start.pollInterval = this._workbench.progressInterval;
    const status = await this.start.start();
    if (this.isDisposed) {
      return;
    }
    if (!status) {
      const failed = this.start.status?.state;
      if (failed) {
        this._workbench.updateState(this.backend.name, failed);
      }
      this._closePopup();
      return;
    }
    this._workbench.updateState(this.backend.name, status.state);
    await this._show();
  }

  private async _show(): Promise<void> {
    const url = this._appUrl();
    let openIn = this._openIn;
    let why: string | null = null;
    if (openIn === 'tab') {
      if (!this.backend.allows_framing) {
        why = this._trans.__(
          '%1 does not allow being shown inside JupyterLab.',
          this.backend.title
        );
      } else {
        const blockedBy = await framingBlockedReason(url);
        why = blockedBy
          ? this._trans.__(
              '%1 forbids being shown inside JupyterLab (%2).',
              this.backend.title,
              blockedBy
            )
          : null;
      }
      if (why) {
        openIn = 'window';
      }
    }
    if (openIn === 'tab') {
      this._setPhase('running');
      return;
    }
    let opened = false;
    if (this._popup && !this._popup.closed) {
      this._popup.location.href = url;
      opened = true;
    } else {
      opened = window.open(url, '_blank') !== null;
    }
    this._popup = null;
    const trans = this._trans;
    let message = opened
      ? trans.__('It opened in a new browser tab.')
      : trans.__('Your browser blocked the new tab; use the button below.');
    if (why) {
      message = why + ' ' + message;
    }
    this.start.showNotice({
      heading: trans.__('%1 is running', this.backend.title),
      message,
      action: {
        label: trans.__('Open in a new browser tab'),
        run: () => this.openInBrowserTab()
      }
    });
    this._setPhase('external');
  }

  private _appUrl(): string {
    return new URL(this.backend.url, window.location.href).href;
  }

  private _closePopup(): void {
    if (this._popup && !this._popup.closed) {
      this._popup.close();
    }
    this._popup = null;
  }

  /**
   * Follow the start model: its phases are the panel's, except `running`, which the
   * panel sets itself once it knows where the app is shown.
   */
  private _onStartChanged(): void {
    switch (this.start.phase) {
      case 'idle':
      case 'starting':
        this._setPhase('starting');
        break;
      case 'failed':
        this._setPhase('failed');
        break;
      case 'stopped':
        this._setPhase('stopped');
        break;
      default:
        break;
    }
  }

  /**
   * The user stopped or restarted the backend: show "stopped", or the restart's
   * progress and then the app again.
   */
  private _onLifecycle(_: unknown, change: IWorkbench.ILifecycleRequest): void {
    if (change.name !== this.backend.name || this.isDisposed) {
      return;
    }
    if (change.action === 'stop') {
      this.showStopped();
      return;
    }
    this._setPhase('starting');
    this._launching = this.start
      .start({ request: change.request })
      .then(async status => {
        if (status && !this.isDisposed && this.start.phase === 'running') {
          await this._show();
        }
      })
      .finally(() => {
        this._launching = null;
      });
  }

  private _onCatalogueChanged(): void {
    const entry = this._workbench.find(this.backend.name);
    if (!entry || this._phase !== 'running') {
      return;
    }
    if (entry.state === 'failed' || entry.state === 'stopped') {
      const state = entry.state;
      void this._workbench.client
        .getBackend(this.backend.name)
        .then(status => {
          if (this._phase !== 'running') {
            return; // Shown meanwhile (e.g. stopped by the user's Stop).
          }
          if (state === 'failed') {
            this.start.fail(status.error ?? '', status);
          } else {
            this.start.stopped('backend', status);
          }
        })
        .catch(() => {
          if (this._phase === 'running') {
            this.start.stopped('backend');
          }
        });
    }
  }

  private _setPhase(phase: BackendPanel.Phase): void {
    if (this.isDisposed) {
      return;
    }
    this._phase = phase;
    this.node.dataset.phase = phase;
    if (phase === 'running') {
      this._view.hide();
      if (this._frame.parent !== this) {
        this._frame.url = this._appUrl();
        this.addWidget(this._frame);
      }
      return;
    }
    this._view.show();
    if (this._frame.parent === this) {
      // Unloads the app (a stopped or failed app must not keep a dead page).
      this._frame.parent = null;
      this._frame.url = 'about:blank';
    }
  }

  private _frame: IFrame;
  private _launching: Promise<void> | null = null;
  private _openIn: 'tab' | 'window';
  private _phase: BackendPanel.Phase = 'starting';
  private _popup: Window | null;
  private _trans: TranslationBundle;
  private _view: StartView;
  private _workbench: BackendPanel.IWorkbenchModel;
}

/**
 * The panel's types.
 */
export namespace BackendPanel {
  /**
   * What the panel shows.
   */
  export type Phase =
    'starting' | 'running' | 'failed' | 'stopped' | 'external';

  /**
   * The part of the Workbench model the panel uses.
   */
  export interface IWorkbenchModel extends IWorkbench {
    /** Record a backend's new state. */
    updateState(name: string, state: IBackendInfo['state']): void;
  }

  /**
   * Options of the panel.
   */
  export interface IOptions {
    /** The backend to show. */
    backend: IBackendInfo;
    /** The Workbench model. */
    workbench: IWorkbenchModel;
    /** Where to show the app once it runs. */
    openIn: 'tab' | 'window';
    /** A browser tab opened during the click, to be pointed at the app. */
    popup?: Window | null;
    /** The translator. */
    translator?: ITranslator;
  }
}
