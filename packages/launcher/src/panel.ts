import {
  IBackendInfo,
  IBackendStatus,
  IWorkbench,
  WorkbenchAPIError
} from '@jupyter-workbench/services';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { framingBlockedReason } from './framing';

/**
 * CSS class of the backend panel.
 */
const PANEL_CLASS = 'jp-WorkbenchPanel';

/**
 * Milliseconds between status polls while a backend starts.
 */
const PROGRESS_POLL_MS = 400;

/**
 * Shows a web backend: progress with the live log tail while it starts, its log and a
 * Retry button when it fails, then the app in an iframe (or a new browser tab).
 */
export class BackendPanel extends Widget {
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
    this._status = this._el('div', 'jp-WorkbenchPanel-status');
    this._frame = document.createElement('iframe');
    this._frame.className = 'jp-WorkbenchPanel-frame';
    this._frame.setAttribute(
      'allow',
      'clipboard-read; clipboard-write; fullscreen'
    );
    this._frame.title = this.backend.title;
    this.node.appendChild(this._status);
    this._workbench.changed.connect(this._onCatalogueChanged, this);
  }

  /** The catalogue entry shown. */
  readonly backend: IBackendInfo;

  /** Current phase of the panel. */
  get phase(): BackendPanel.Phase {
    return this._phase;
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
   * Reload the app inside the iframe.
   */
  reload(): void {
    if (this._phase === 'running' && this._frame.isConnected) {
      this._frame.src = this._appUrl();
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
    this._render('stopped', null);
  }

  /**
   * Dispose the panel and stop watching the catalogue.
   */
  dispose(): void {
    this._stopProgress();
    this._workbench.changed.disconnect(this._onCatalogueChanged, this);
    super.dispose();
  }

  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  private async _launch(): Promise<void> {
    this._render('starting', null);
    this._startProgress();
    let status: IBackendStatus;
    try {
      status = await this._workbench.client.start(this.backend.name);
    } catch (error) {
      this._stopProgress();
      const message =
        error instanceof WorkbenchAPIError
          ? error.message
          : String((error as Error)?.message ?? error);
      const body = (error as WorkbenchAPIError).body as
        IBackendStatus | undefined;
      this._render('failed', {
        ...(body ?? {}),
        error: message
      } as IBackendStatus);
      this._closePopup();
      return;
    }
    this._stopProgress();
    this._workbench.updateState(this.backend.name, status.state);
    if (status.state !== 'running') {
      this._render('failed', status);
      this._closePopup();
      return;
    }
    await this._show(status);
  }

  private async _show(status: IBackendStatus): Promise<void> {
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
    if (openIn === 'window') {
      let opened = false;
      if (this._popup && !this._popup.closed) {
        this._popup.location.href = url;
        opened = true;
      } else {
        opened = window.open(url, '_blank') !== null;
      }
      this._popup = null;
      this._render('external', status, { why, opened });
      return;
    }
    this._render('running', status);
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

  private _startProgress(): void {
    this._stopProgress();
    const poll = async () => {
      try {
        const status = await this._workbench.client.getBackend(
          this.backend.name
        );
        if (this._phase === 'starting') {
          this._render('starting', status);
        }
      } catch {
        // The start request reports errors; progress polling stays quiet.
      }
    };
    this._progressTimer = window.setInterval(
      () => void poll(),
      PROGRESS_POLL_MS
    );
    void poll();
  }

  private _stopProgress(): void {
    if (this._progressTimer !== null) {
      window.clearInterval(this._progressTimer);
      this._progressTimer = null;
    }
  }

  private _onCatalogueChanged(): void {
    const entry = this._workbench.find(this.backend.name);
    if (!entry || this._phase !== 'running') {
      return;
    }
    if (entry.state === 'failed' || entry.state === 'stopped') {
      void this._workbench.client
        .getBackend(this.backend.name)
        .then(status =>
          this._render(entry.state === 'failed' ? 'failed' : 'stopped', status)
        )
        .catch(() => this._render('stopped', null));
    }
  }

  private _render(
    phase: BackendPanel.Phase,
    status: IBackendStatus | null,
    extra: { why?: string | null; opened?: boolean } = {}
  ): void {
    this._phase = phase;
    this.node.dataset.phase = phase;
    const trans = this._trans;
    const title = this.backend.title;
    this._status.replaceChildren();
    if (phase === 'running') {
      this._status.hidden = true;
      if (!this._frame.isConnected) {
        this._frame.src = this._appUrl();
        this.node.appendChild(this._frame);
      }
      return;
    }
    this._frame.remove();
    this._status.hidden = false;
    const heading = this._el('h2', 'jp-WorkbenchPanel-heading');
    const message = this._el('p', 'jp-WorkbenchPanel-message');
    this._status.append(heading, message);
    const buttons = this._el('div', 'jp-WorkbenchPanel-buttons');
    if (phase === 'starting') {
      heading.textContent = trans.__('Starting %1…', title);
      const elapsed = status?.elapsed ?? 0;
      const timeout = status?.timeout ?? 60;
      message.textContent = trans.__(
        '%1 s elapsed (gives up after %2 s)',
        elapsed.toFixed(1),
        timeout.toFixed(0)
      );
      const progress = document.createElement('progress');
      progress.className = 'jp-WorkbenchPanel-progress';
      progress.max = timeout;
      progress.value = Math.min(elapsed, timeout);
      this._status.appendChild(progress);
    } else if (phase === 'failed') {
      heading.textContent = trans.__('%1 could not be started', title);
      message.textContent =
        status?.error ?? trans.__('The backend stopped unexpectedly.');
      if (
        status?.next_restart_in !== null &&
        status?.next_restart_in !== undefined
      ) {
        message.textContent +=
          ' ' +
          trans.__(
            'Restarting automatically in %1 s.',
            status.next_restart_in.toFixed(0)
          );
      }
      buttons.appendChild(
        this._button(trans.__('Retry'), () => void this.launch(), true)
      );
    } else if (phase === 'stopped') {
      heading.textContent = trans.__('%1 is stopped', title);
      message.textContent = trans.__(
        'Start it again to continue where your files are.'
      );
      buttons.appendChild(
        this._button(trans.__('Start'), () => void this.launch(), true)
      );
    } else if (phase === 'external') {
      heading.textContent = trans.__('%1 is running', title);
      message.textContent = extra.opened
        ? trans.__('It opened in a new browser tab.')
        : trans.__('Your browser blocked the new tab; use the button below.');
      if (extra.why) {
        message.textContent = extra.why + ' ' + message.textContent;
      }
      buttons.appendChild(
        this._button(
          trans.__('Open in a new browser tab'),
          () => this.openInBrowserTab(),
          true
        )
      );
    }
    this._status.appendChild(buttons);
    const lines = status?.log_tail ?? [];
    if (lines.length) {
      const label = this._el('div', 'jp-WorkbenchPanel-logLabel');
      label.textContent = trans.__('Last log lines');
      const log = this._el('pre', 'jp-WorkbenchPanel-log');
      log.textContent = lines.join('\n');
      this._status.append(label, log);
      log.scrollTop = log.scrollHeight;
    }
  }

  private _button(
    label: string,
    onClick: () => void,
    accept = false
  ): HTMLButtonElement {
    const button = document.createElement('button');
    button.className = `jp-Button jp-mod-styled ${accept ? 'jp-mod-accept' : 'jp-mod-reject'}`;
    button.textContent = label;
    button.addEventListener('click', onClick);
    return button;
  }

  private _el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    className: string
  ): HTMLElementTagNameMap[K] {
    const element = document.createElement(tag);
    element.className = className;
    return element;
  }

  private _frame: HTMLIFrameElement;
  private _launching: Promise<void> | null = null;
  private _openIn: 'tab' | 'window';
  private _phase: BackendPanel.Phase = 'starting';
  private _popup: Window | null;
  private _progressTimer: number | null = null;
  private _status: HTMLElement;
  private _trans: TranslationBundle;
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
