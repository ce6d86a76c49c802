import {
  IBackendInfo,
  IBackendStatus,
  IWorkbench,
  WorkbenchClient
} from '@jupyter-workbench/services';
import { PromiseDelegate } from '@lumino/coreutils';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { DEFAULT_SETTINGS, ILauncherSettings } from './labels';

/**
 * The Workbench model: the catalogue, polled in the background at the interval of the
 * settings, and the openers.
 *
 * The first fetch starts when the model is created and never blocks JupyterLab's start.
 */
export class WorkbenchModel implements IWorkbench {
  /**
   * Create the model.
   */
  constructor(options: WorkbenchModel.IOptions) {
    this.client = options.client;
    this._opener = options.defaultOpener;
    this._settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this._poll = new Poll({
      factory: () => this._fetch(),
      frequency: Private.frequency(this._settings.pollInterval),
      name: '@jupyter-workbench/launcher:catalogue',
      standby: 'when-hidden'
    });
    this.ready = this._ready.promise;
  }

  /** The REST client. */
  readonly client: WorkbenchClient;

  /** Resolves once the first catalogue fetch has answered (or failed). */
  readonly ready: Promise<void>;

  /** The catalogue as last fetched. */
  get backends(): ReadonlyArray<IBackendInfo> {
    return this._backends;
  }

  /** The last error of a catalogue fetch, if the last fetch failed. */
  get error(): string | null {
    return this._error;
  }

  /** Emitted when the user asks to stop or restart a backend (before it is answered). */
  get lifecycle(): ISignal<this, IWorkbench.ILifecycleRequest> {
    return this._lifecycle;
  }

  /** Emitted when the catalogue or a state changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The launcher settings in use. */
  get settings(): Readonly<ILauncherSettings> {
    return this._settings;
  }

  /** Milliseconds between status polls while a backend starts. */
  get progressInterval(): number {
    return this._settings.progressInterval * 1000;
  }

  /**
   * Apply (changed) launcher settings: the catalogue poll follows `pollInterval` at once.
   */
  configure(settings: Partial<ILauncherSettings>): void {
    const previous = this._settings.pollInterval;
    this._settings = { ...DEFAULT_SETTINGS, ...settings };
    if (this._settings.pollInterval === previous || this.isDisposed) {
      return;
    }
    this._poll.frequency = Private.frequency(this._settings.pollInterval);
    if (this._poll.state.phase !== 'constructed') {
      // Re-arm the pending tick, which was timed with the old interval.
      void this._poll.schedule({
        interval: this._poll.frequency.interval,
        phase: 'resolved'
      });
    }
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /**
   * Fetch the catalogue now.
   */
  async refresh(): Promise<void> {
    await this._poll.refresh();
    await this._poll.tick;
  }

  /**
   * The catalogue entry named `name`.
   */
  find(name: string): IBackendInfo | undefined {
    return this._backends.find(backend => backend.name === name);
  }

  /**
   * Update one entry's state locally (e.g. from a status answer) and notify.
   */
  updateState(name: string, state: IBackendInfo['state']): void {
    const backend = this.find(name);
    if (backend && backend.state !== state) {
      backend.state = state;
      this._changed.emit();
    }
  }

  /**
   * Stop backend `name` for the user: its open views learn it first (they must not
   * start it again), the tile shows "stopping…", then the answered state.
   */
  stop(name: string): Promise<IBackendStatus> {
    return this._lifecycleRequest(name, 'stop', 'stopping', () =>
      this.client.stop(name)
    );
  }

  /**
   * Restart backend `name` for the user: its open views show the restart, the tile
   * shows "starting…" until it runs again (or failed).
   */
  restart(name: string): Promise<IBackendStatus> {
    return this._lifecycleRequest(name, 'restart', 'starting', () =>
      this.client.restart(name)
    );
  }

  /**
   * Open backend `name` with the opener registered for its kind.
   */
  async open(
    name: string,
    options: IWorkbench.IOpenOptions = {}
  ): Promise<void> {
    await this.openWidget(name, options);
  }

  /**
   * Open backend `name` and return the widget the opener made (if any).
   */
  async openWidget(
    name: string,
    options: IWorkbench.IOpenOptions = {}
  ): Promise<import('@lumino/widgets').Widget | null> {
    if (!this.find(name)) {
      await this.ready;
    }
    const backend = this.find(name);
    if (!backend) {
      throw new Error(`No Workbench backend named "${name}"`);
    }
    const opener = this._openers.get(backend.kind) ?? this._opener;
    return opener.open(backend, options);
  }

  /**
   * Register the opener of backends of `kind`.
   */
  registerOpener(kind: string, opener: IWorkbench.IOpener): IDisposable {
    this._openers.set(kind, opener);
    return new DisposableDelegate(() => {
      if (this._openers.get(kind) === opener) {
        this._openers.delete(kind);
      }
    });
  }

  /**
   * Stop polling.
   */
  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _lifecycleRequest(
    name: string,
    action: IWorkbench.ILifecycleRequest['action'],
    pending: IBackendInfo['state'],
    send: () => Promise<IBackendStatus>
  ): Promise<IBackendStatus> {
    const request = send();
    this._lifecycle.emit({ name, action, request });
    this.updateState(name, pending);
    try {
      const status = await request;
      this.updateState(name, status.state);
      return status;
    } finally {
      void this.refresh().catch(() => undefined);
    }
  }

  private async _fetch(): Promise<void> {
    try {
      const backends = await this.client.listBackends();
      this._error = null;
      if (JSON.stringify(backends) !== JSON.stringify(this._backends)) {
        this._backends = backends;
        this._changed.emit();
      }
    } catch (error) {
      this._error = String((error as Error).message ?? error);
      this._changed.emit();
      throw error;
    } finally {
      this._ready.resolve();
    }
  }

  private _backends: IBackendInfo[] = [];
  private _changed = new Signal<this, void>(this);
  private _lifecycle = new Signal<this, IWorkbench.ILifecycleRequest>(this);
  private _error: string | null = null;
  private _opener: IWorkbench.IOpener;
  private _openers = new Map<string, IWorkbench.IOpener>();
  private _poll: Poll;
  private _ready = new PromiseDelegate<void>();
  private _settings: ILauncherSettings;
}

/**
 * The model's types.
 */
export namespace WorkbenchModel {
  /**
   * Options of the model.
   */
  export interface IOptions {
    /** The REST client. */
    client: WorkbenchClient;
    /** Opener of kinds without a registered opener (the web opener). */
    defaultOpener: IWorkbench.IOpener;
    /** Initial settings (the defaults for the missing ones). */
    settings?: Partial<ILauncherSettings>;
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * The catalogue poll's frequency for an interval in seconds (backing off on errors).
   */
  export function frequency(seconds: number): {
    interval: number;
    backoff: boolean;
    max: number;
  } {
    const interval = Math.round(seconds * 1000);
    return { interval, backoff: true, max: Math.max(60000, interval * 6) };
  }
}
