import { VDomModel } from '@jupyterlab/ui-components';

import { WorkbenchAPIError, WorkbenchClient } from '../api';
import type { IBackendStatus } from '../schema';

/**
 * The state of a backend's start screen: start → progress (polled) → running, or
 * the failure with its log and a Retry action; also "stopped" and free-form notices
 * (e.g. a desktop reconnecting).
 *
 * One model per view; one poller, whose interval comes from the settings.
 */
export class StartModel extends VDomModel {
  /**
   * Create the model of backend `options.name`.
   */
  constructor(options: StartModel.IOptions) {
    super();
    this.name = options.name;
    this.title = options.title;
    this._client = options.client;
    this._pollInterval =
      options.pollInterval ?? StartModel.DEFAULT_POLL_INTERVAL;
    this._onRetry = options.onRetry ?? null;
  }

  /** The backend's name (URL-safe). */
  readonly name: string;

  /** The backend's title, shown in the headings. */
  readonly title: string;

  /** What the view shows. */
  get phase(): StartModel.Phase {
    return this._phase;
  }

  /** The last status known: polled while starting, or the failed start's answer. */
  get status(): IBackendStatus | null {
    return this._status;
  }

  /** Why the start failed (phase `failed`). */
  get error(): string | null {
    return this._error;
  }

  /** Whether the current start is a reconnection (a desktop whose session dropped). */
  get reconnecting(): boolean {
    return this._reconnecting;
  }

  /** Whether the current start is a restart asked for by the user. */
  get restarting(): boolean {
    return this._restarting;
  }

  /** Who stopped the backend (phase `stopped`). */
  get stoppedBy(): StartModel.StopCause | null {
    return this._stoppedBy;
  }

  /** The notice shown (phase `notice`). */
  get notice(): StartModel.INotice | null {
    return this._notice;
  }

  /** Milliseconds between status polls while the backend starts. */
  get pollInterval(): number {
    return this._pollInterval;
  }
  set pollInterval(value: number) {
    if (!(value > 0) || value === this._pollInterval) {
      return;
    }
    this._pollInterval = value;
    if (this._timer !== null) {
      this._startPolling();
    }
  }

  /**
   * Start the backend, polling its progress until the start request answers.
   *
   * Resolves to the running status, or `null` when the start failed (the model then
   * shows the failure). A call while a start is in flight joins it, except one that
   * follows a restart request (`options.request`), which replaces it.
   */
  start(
    options: StartModel.IStartOptions = {}
  ): Promise<IBackendStatus | null> {
    if (this._starting && !options.request) {
      return this._starting;
    }
    this._reconnecting = !!options.reconnecting;
    this._restarting = !!options.request;
    this._status = null;
    this._error = null;
    this._notice = null;
    this._stoppedBy = null;
    this._setPhase('starting');
    this._startPolling();
    const starting: Promise<IBackendStatus | null> = this._start(
      options.request ?? null
    ).finally(() => {
      if (this._starting === starting) {
        this._starting = null;
        this._stopPolling();
      }
    });
    this._starting = starting;
    return starting;
  }

  /**
   * Try again (the Retry and Start buttons): the host's retry action, else {@link start}.
   */
  retry(): void {
    if (this._onRetry) {
      this._onRetry();
    } else {
      void this.start();
    }
  }

  /**
   * Show the failure of a start made elsewhere (e.g. a restart command).
   */
  fail(error: string, status: IBackendStatus | null = null): void {
    this._stopPolling();
    this._status = status;
    this._error = error;
    this._notice = null;
    this._setPhase('failed');
  }

  /**
   * Show that the backend is stopped, and by whom.
   */
  stopped(
    by: StartModel.StopCause,
    status: IBackendStatus | null = null
  ): void {
    this._stopPolling();
    this._status = status;
    this._stoppedBy = by;
    this._notice = null;
    this._setPhase('stopped');
  }

  /**
   * Show a notice (a heading, a message and an optional action).
   */
  showNotice(notice: StartModel.INotice): void {
    this._stopPolling();
    this._notice = notice;
    this._setPhase('notice');
  }

  /**
   * Show nothing: the backend runs and its host shows it.
   */
  running(status: IBackendStatus | null = this._status): void {
    this._stopPolling();
    this._status = status;
    this._notice = null;
    this._setPhase('running');
  }

  /**
   * Stop polling and dispose the model.
   */
  dispose(): void {
    this._stopPolling();
    super.dispose();
  }

  private async _start(
    request: Promise<IBackendStatus> | null
  ): Promise<IBackendStatus | null> {
    let status: IBackendStatus;
    try {
      status = await (request ?? this._client.start(this.name));
    } catch (error) {
      if (!this.isDisposed && this._phase === 'starting') {
        const body =
          error instanceof WorkbenchAPIError ? error.body : undefined;
        this.fail(
          String((error as Error)?.message ?? error),
          Private.isStatus(body) ? body : null
        );
      }
      this._lastError = error;
      return null;
    }
    this._lastError = null;
    if (this.isDisposed || this._phase !== 'starting') {
      return status.state === 'running' ? status : null;
    }
    if (status.state !== 'running') {
      this.fail(status.error ?? '', status);
      return null;
    }
    this.running(status);
    return status;
  }

  /**
   * What the last start threw (`null` when it answered), for hosts that tell a
   * network failure from an error answered by the server.
   */
  get lastError(): unknown {
    return this._lastError;
  }

  private _startPolling(): void {
    this._stopPolling();
    const poll = async () => {
      try {
        const status = await this._client.getBackend(this.name);
        if (this._phase === 'starting' && !this.isDisposed) {
          this._status = status;
          this.stateChanged.emit();
        }
      } catch {
        // The start request reports errors; progress polling stays quiet.
      }
    };
    this._timer = setInterval(() => void poll(), this._pollInterval);
    void poll();
  }

  private _stopPolling(): void {
    if (this._timer !== null) {
      clearInterval(this._timer);
      this._timer = null;
    }
  }

  private _setPhase(phase: StartModel.Phase): void {
    this._phase = phase;
    this.stateChanged.emit();
  }

  private _client: StartModel.IClient;
  private _error: string | null = null;
  private _lastError: unknown = null;
  private _notice: StartModel.INotice | null = null;
  private _onRetry: (() => void) | null;
  private _phase: StartModel.Phase = 'idle';
  private _pollInterval: number;
  private _reconnecting = false;
  private _restarting = false;
  private _starting: Promise<IBackendStatus | null> | null = null;
  private _status: IBackendStatus | null = null;
  private _stoppedBy: StartModel.StopCause | null = null;
  private _timer: ReturnType<typeof setInterval> | null = null;
}

/**
 * The start model's types.
 */
export namespace StartModel {
  /**
   * Default milliseconds between progress polls.
   */
  export const DEFAULT_POLL_INTERVAL = 500;

  /**
   * What the view shows: nothing yet (`idle`), progress (`starting`), nothing because
   * the host shows the app (`running`), the failure (`failed`), the stopped backend
   * (`stopped`) or a notice of the host (`notice`).
   */
  export type Phase =
    'idle' | 'starting' | 'running' | 'failed' | 'stopped' | 'notice';

  /**
   * Who stopped a backend: the user (a Stop action) or the backend itself.
   */
  export type StopCause = 'user' | 'backend';

  /**
   * An action button of the view.
   */
  export interface IAction {
    /** The button's label. */
    label: string;
    /** What it does. */
    run: () => void;
  }

  /**
   * A notice of the host: a heading, a message and an optional action.
   */
  export interface INotice {
    /** The heading. */
    heading: string;
    /** The message under it. */
    message: string;
    /** A button under the message. */
    action?: IAction;
    /** `error` colours the heading as an error. */
    severity?: 'info' | 'error';
  }

  /**
   * Options of {@link StartModel.start}.
   */
  export interface IStartOptions {
    /** The start reconnects a desktop whose session dropped. */
    reconnecting?: boolean;
    /**
     * Follow this (restart) request instead of sending a start: the view shows
     * "Restarting…" with the polled progress until it answers.
     */
    request?: Promise<IBackendStatus>;
  }

  /**
   * The part of the REST client the model uses.
   */
  export type IClient = Pick<WorkbenchClient, 'start' | 'getBackend'>;

  /**
   * Options of the model.
   */
  export interface IOptions {
    /** The REST client. */
    client: IClient;
    /** The backend's name. */
    name: string;
    /** The backend's title. */
    title: string;
    /** Milliseconds between progress polls (default {@link DEFAULT_POLL_INTERVAL}). */
    pollInterval?: number;
    /** What Retry and Start do (default: start again). */
    onRetry?: () => void;
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * Whether an error body is a backend status (a failed start answers one).
   */
  export function isStatus(body: unknown): body is IBackendStatus {
    return (
      typeof body === 'object' &&
      body !== null &&
      Array.isArray((body as IBackendStatus).log_tail)
    );
  }
}
