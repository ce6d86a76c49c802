import type { WorkbenchClient } from '@jupyter-workbench/services';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

/**
 * A backend's log, opened at its newest lines and following them: new lines are
 * fetched every {@link LogView.DEFAULT_INTERVAL} ms while the view is shown, and the
 * view stays at the end unless the reader scrolled up.
 */
export class LogView extends Widget {
  /**
   * Create the view of backend `options.name`'s log and fetch it.
   */
  constructor(options: LogView.IOptions) {
    super({ node: document.createElement('pre') });
    this.addClass('jp-WorkbenchLog');
    this.addClass('jp-WorkbenchLogText');
    this.node.setAttribute('role', 'log');
    this.node.setAttribute('aria-live', 'polite');
    this.node.tabIndex = 0;
    this.name = options.name;
    this._client = options.client;
    this._interval = options.interval ?? LogView.DEFAULT_INTERVAL;
    this._trans = (options.translator ?? nullTranslator).load(
      'jupyter-workbench'
    );
    this.node.setAttribute(
      'aria-label',
      this._trans.__('Log of %1', this.name)
    );
    this.ready = this._fetch();
  }

  /** The backend's name. */
  readonly name: string;

  /** Resolves once the first lines were fetched (or the fetch failed). */
  readonly ready: Promise<void>;

  /** The lines shown. */
  get lines(): ReadonlyArray<string> {
    return this._lines;
  }

  /**
   * Stop following the log.
   */
  dispose(): void {
    this._stopTimer();
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._follow = true;
    this._scrollToEnd();
    this.node.addEventListener('scroll', this._onScroll);
    this._stopTimer();
    this._timer = setInterval(() => void this._fetch(), this._interval);
  }

  protected onBeforeDetach(msg: Message): void {
    this._stopTimer();
    this.node.removeEventListener('scroll', this._onScroll);
    super.onBeforeDetach(msg);
  }

  private _onScroll = (): void => {
    this._follow = LogView.atEnd(this.node);
  };

  private async _fetch(): Promise<void> {
    let lines: string[];
    try {
      lines = await this._client.logs(this.name);
    } catch (error) {
      if (!this._lines.length) {
        this.node.textContent = String((error as Error).message ?? error);
      }
      return;
    }
    if (this.isDisposed || lines.join('\n') === this._lines.join('\n')) {
      return;
    }
    this._lines = lines;
    this.node.textContent = lines.length
      ? lines.join('\n')
      : this._trans.__('(no output yet)');
    if (this._follow) {
      this._scrollToEnd();
    }
  }

  private _scrollToEnd(): void {
    this.node.scrollTop = this.node.scrollHeight;
  }

  private _stopTimer(): void {
    if (this._timer !== null) {
      clearInterval(this._timer);
      this._timer = null;
    }
  }

  private _client: Pick<WorkbenchClient, 'logs'>;
  private _follow = true;
  private _interval: number;
  private _lines: string[] = [];
  private _timer: ReturnType<typeof setInterval> | null = null;
  private _trans: TranslationBundle;
}

/**
 * The log view's types and helpers.
 */
export namespace LogView {
  /**
   * Default milliseconds between fetches of new lines.
   */
  export const DEFAULT_INTERVAL = 2000;

  /**
   * Options of the view.
   */
  export interface IOptions {
    /** The backend's name. */
    name: string;
    /** The REST client (its `logs`). */
    client: Pick<WorkbenchClient, 'logs'>;
    /** Milliseconds between fetches (default {@link DEFAULT_INTERVAL}). */
    interval?: number;
    /** The translator. */
    translator?: ITranslator;
  }

  /**
   * Whether a scrolled element shows its end (within a line's height).
   */
  export function atEnd(node: {
    scrollTop: number;
    scrollHeight: number;
    clientHeight: number;
  }): boolean {
    return node.scrollHeight - node.scrollTop - node.clientHeight < 24;
  }
}
