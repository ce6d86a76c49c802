/**
 * The GPU status model: the one state that the GPU panel and the status bar item render
 * (latest snapshot, chart series, stream state, check results).
 */

import type {
  GpuClient,
  GpuHistoryWindow,
  IGpuCheck,
  IGpuHistory,
  IGpuSnapshot
} from '@jupyter-workbench/services';
import { VDomModel } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';

import {
  appendSnapshot,
  IGpuSeries,
  seriesFromHistory,
  windowSeconds
} from './logic';
import type { StreamState } from './stream';

/**
 * The state of one GPU check (CUDA or OpenGL) in the panel.
 */
export interface IGpuCheckState {
  /** Whether the check is running. */
  running: boolean;
  /** The last result. */
  result: IGpuCheck | null;
  /** Why the last run failed to answer (network or server error). */
  error: string | null;
}

/**
 * The name of a GPU check.
 */
export type GpuCheckName = IGpuCheck['check'];

/**
 * The GPU status model. Views re-render on `stateChanged`; `snapshotReceived` fires once
 * per snapshot (for notifications).
 */
export class GpuModel extends VDomModel {
  /**
   * Create a model using `client` for the checks.
   */
  constructor(options: GpuModel.IOptions) {
    super();
    this._client = options.client;
    this._window = options.window ?? '1h';
  }

  /** Emitted with every snapshot set. */
  get snapshotReceived(): ISignal<this, IGpuSnapshot> {
    return this._snapshotReceived;
  }

  /** The latest snapshot, `null` until the first one. */
  get snapshot(): IGpuSnapshot | null {
    return this._snapshot;
  }

  /** Chart series per GPU key (UUID, or index without one). */
  get series(): ReadonlyMap<string, IGpuSeries> {
    return this._series;
  }

  /** The charts' history window. */
  get window(): GpuHistoryWindow {
    return this._window;
  }
  set window(value: GpuHistoryWindow) {
    if (value === this._window) {
      return;
    }
    this._window = value;
    this.stateChanged.emit(void 0);
  }

  /**
   * A counter bumped on every theme change: the charts (drawn on canvases with the
   * theme's colours) are redrawn when it changes.
   */
  get theme(): number {
    return this._theme;
  }

  /**
   * Note a theme change (the plugin calls it on `IThemeManager.themeChanged`).
   */
  retheme(): void {
    this._theme += 1;
    this.stateChanged.emit(void 0);
  }

  /** The state of the snapshot stream. */
  get streamState(): StreamState {
    return this._streamState;
  }

  /** Reconnect attempts of the stream since its last message. */
  get streamAttempts(): number {
    return this._streamAttempts;
  }

  /**
   * Set the stream's state and its reconnect attempts.
   */
  setStream(state: StreamState, attempts = 0): void {
    if (state === this._streamState && attempts === this._streamAttempts) {
      return;
    }
    this._streamState = state;
    this._streamAttempts = attempts;
    this.stateChanged.emit(void 0);
  }

  /**
   * Show a new snapshot and append it to the chart series.
   */
  setSnapshot(snapshot: IGpuSnapshot): void {
    this._snapshot = snapshot;
    appendSnapshot(this._series, snapshot, windowSeconds(this._window));
    this.stateChanged.emit(void 0);
    this._snapshotReceived.emit(snapshot);
  }

  /**
   * Replace the chart series with the server's history (plus the latest snapshot).
   */
  setHistory(history: IGpuHistory | null): void {
    const series = seriesFromHistory(history);
    if (this._snapshot) {
      appendSnapshot(series, this._snapshot, windowSeconds(this._window));
    }
    this._series = series;
    this.stateChanged.emit(void 0);
  }

  /**
   * The state of a check.
   */
  check(name: GpuCheckName): IGpuCheckState {
    return this._checks.get(name) ?? Private.IDLE;
  }

  /**
   * Run a check on the server and keep its result (or error).
   */
  async runCheck(name: GpuCheckName): Promise<void> {
    if (this.check(name).running) {
      return;
    }
    this._setCheck(name, { running: true, result: null, error: null });
    try {
      const result = await this._client.check(name);
      this._setCheck(name, { running: false, result, error: null });
    } catch (error) {
      this._setCheck(name, {
        running: false,
        result: null,
        error: (error as Error).message ?? String(error)
      });
    }
  }

  private _setCheck(name: GpuCheckName, state: IGpuCheckState): void {
    if (this.isDisposed) {
      return;
    }
    this._checks.set(name, state);
    this.stateChanged.emit(void 0);
  }

  private _checks = new Map<GpuCheckName, IGpuCheckState>();
  private _client: Pick<GpuClient, 'check'>;
  private _series = new Map<string, IGpuSeries>();
  private _snapshot: IGpuSnapshot | null = null;
  private _snapshotReceived = new Signal<this, IGpuSnapshot>(this);
  private _streamAttempts = 0;
  private _streamState: StreamState = 'paused';
  private _theme = 0;
  private _window: GpuHistoryWindow;
}

/**
 * The model's types.
 */
export namespace GpuModel {
  /**
   * Options of the model.
   */
  export interface IOptions {
    /** The client running the checks. */
    client: Pick<GpuClient, 'check'>;
    /** The charts' history window. */
    window?: GpuHistoryWindow;
  }
}

/**
 * Module-private parts.
 */
namespace Private {
  /** A check that has not run. */
  export const IDLE: IGpuCheckState = {
    running: false,
    result: null,
    error: null
  };
}
