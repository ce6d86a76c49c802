/**
 * The GPU side panel (imported lazily, with uPlot, the first time the panel is shown).
 */

import type { GpuClient, GpuHistoryWindow } from '@jupyter-workbench/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';
import 'uplot/dist/uPlot.min.css';

import type { GpuModel } from './model';
import { GpuStream, StreamState } from './stream';
import { GpuView } from './view';

/**
 * The GPU side panel: renders the GPU model (one card per GPU with health, metrics with
 * N/A reasons, MIG slices, live charts and processes; the checks; an empty state without
 * a GPU; a label on replayed captures). It feeds the model from the server's history and
 * the snapshot stream, which is open only while the panel is visible.
 */
export class GpuPanel extends VDomRenderer<GpuModel> {
  /**
   * Create the panel.
   */
  constructor(options: GpuPanel.IOptions) {
    super(options.model);
    this.addClass('jp-WorkbenchGpu');
    this._client = options.client;
    this._trans = options.trans;
    this._onWindow = options.onWindow;
    this._stream = new GpuStream({
      url: () => this._client.streamUrl(),
      onSnapshot: snapshot => this.model.setSnapshot(snapshot),
      onState: state => this.model.setStream(state, this._stream.attempts)
    });
  }

  /** The stream's state. */
  get streamState(): StreamState {
    return this._stream.state;
  }

  /**
   * Change the charts' history window (reloads the history while visible).
   */
  setWindow(window: GpuHistoryWindow): void {
    if (window === this.model.window) {
      return;
    }
    this.model.window = window;
    if (this._wanted) {
      void this._loadHistory();
    }
  }

  /**
   * Dispose the panel and close its stream.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._wanted = false;
    this._stream.close();
    super.dispose();
  }

  /**
   * Render the model.
   */
  protected render(): JSX.Element {
    return (
      <GpuView
        model={this.model}
        trans={this._trans}
        onWindow={window =>
          this._onWindow ? this._onWindow(window) : this.setWindow(window)
        }
      />
    );
  }

  /**
   * Mirror the snapshot status and stream state on the node (for styles and tests),
   * then render.
   */
  protected onUpdateRequest(msg: Message): void {
    this.node.dataset.status = this.model.snapshot?.status ?? '';
    this.node.dataset.stream = this.model.streamState;
    super.onUpdateRequest(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._open();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._open(); // added to an already visible side panel
    }
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._wanted = false;
    this._stream.close();
  }

  private _open(): void {
    if (this._wanted) {
      return;
    }
    this._wanted = true;
    // The history first (charts start full), then the stream appends to it.
    void this._loadHistory().then(() => {
      if (this._wanted) {
        this._stream.open();
      }
    });
  }

  private async _loadHistory(): Promise<void> {
    try {
      this.model.setHistory(await this._client.history(this.model.window));
    } catch (error) {
      console.warn('GPU history unavailable', error);
    }
  }

  private _client: Pick<GpuClient, 'history' | 'streamUrl'>;
  private _onWindow?: (window: GpuHistoryWindow) => void;
  private _stream: GpuStream;
  private _trans: TranslationBundle;
  private _wanted = false;
}

/**
 * The panel's types.
 */
export namespace GpuPanel {
  /**
   * Options of the panel.
   */
  export interface IOptions {
    /** The GPU model the panel renders and feeds. */
    model: GpuModel;
    /** The GPU client (history and stream). */
    client: Pick<GpuClient, 'history' | 'streamUrl'>;
    /** Translations. */
    trans: TranslationBundle;
    /**
     * Called when the user picks a history window in the panel (the plugin saves the
     * setting, whose change calls `setWindow`); `setWindow` directly when absent.
     */
    onWindow?: (window: GpuHistoryWindow) => void;
  }
}
