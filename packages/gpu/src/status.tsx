/**
 * The GPU status bar item: a verdict dot and what the GPUs are and how busy (e.g.
 * `H100 · 4 MIG slices · 14 % mem`).
 */

import type { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import * as React from 'react';

import { statusSummary, verdictLabel, worstVerdict } from './logic';
import type { GpuModel } from './model';

/**
 * The status bar item rendering the GPU model's latest snapshot ("GPU …" until the
 * first one). Clicking it is wired by the plugin.
 */
export class GpuStatusItem extends VDomRenderer<GpuModel> {
  /**
   * Create the item.
   */
  constructor(model: GpuModel, trans: TranslationBundle) {
    super(model);
    this._trans = trans;
    this.addClass('jp-WorkbenchGpu-status');
  }

  /** Emitted when the item's visibility setting changes. */
  readonly activeStateChanged = new Signal<this, void>(this);

  /**
   * Render the item's text.
   */
  protected render(): JSX.Element {
    return <>{this._text().text}</>;
  }

  /**
   * Mirror the verdict (the dot's colour) and the tooltip on the node, then render.
   */
  protected onUpdateRequest(msg: Message): void {
    const { verdict, title } = this._text();
    this.node.dataset.verdict = verdict;
    this.node.title = title;
    super.onUpdateRequest(msg);
  }

  private _text(): { text: string; title: string; verdict: string } {
    const trans = this._trans;
    const snapshot = this.model.snapshot;
    if (!snapshot) {
      return {
        text: trans.__('GPU …'),
        title: trans.__('GPU status (click for the GPU panel)'),
        verdict: ''
      };
    }
    const gpus = snapshot.gpus;
    if (!gpus.length) {
      return {
        text: trans.__('No GPU'),
        title: snapshot.message ?? trans.__('No GPU'),
        verdict: 'none'
      };
    }
    const verdict = worstVerdict(gpus);
    return {
      text: statusSummary(gpus, trans),
      title: trans.__(
        'GPU health: %1 (click for the GPU panel)',
        verdictLabel(verdict, trans)
      ),
      verdict
    };
  }

  private _trans: TranslationBundle;
}
