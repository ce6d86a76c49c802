import type { IBackendStatus } from '@jupyter-workbench/services';
import type { IDisposable } from '@lumino/disposable';

/**
 * Start on intent: start a backend when the user shows the intent to open it, so that its
 * cold start overlaps the reach for the click.
 *
 * Intent is the pointer resting on the backend's launcher tile for `delay` ms (leaving the
 * tile or pressing on it before then cancels), or the tile getting keyboard focus. Each
 * intent asks the server once (`startOnIntent`); the server stops the backend again unless
 * it is opened in time (`WorkbenchApp.intent_timeout`), so no new request is made for that
 * backend until its `intent_deadline` has passed. Opt-in per backend (the launcher
 * setting `startOnIntent`); a server that has it turned off (409) is not asked again.
 */
export class IntentStarter implements IDisposable {
  /**
   * Create a starter; it listens to nothing until `attach()`.
   */
  constructor(options: IntentStarter.IOptions) {
    this._options = options;
    this.delay = options.delay ?? IntentStarter.DEFAULT_DELAY;
  }

  /** Milliseconds the pointer rests on a tile before it counts as intent. */
  delay: number;

  /** Whether the starter is disposed. */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Follow pointer and focus events under `root` (event delegation: the launcher re-renders
   * its tiles freely).
   */
  attach(root: HTMLElement | Document): void {
    const listen = <K extends keyof DocumentEventMap>(
      type: K,
      handler: (event: DocumentEventMap[K]) => void
    ) => {
      const listener = handler as EventListener;
      root.addEventListener(type, listener, true);
      this._detach.push(() => root.removeEventListener(type, listener, true));
    };
    listen('pointerover', event => {
      const name = this._tileOf(event.target);
      if (name !== null) {
        this.pointerEnter(name);
      }
    });
    listen('pointerout', event => {
      const from = this._tileOf(event.target);
      if (from !== null && from !== this._tileOf(event.relatedTarget)) {
        this.pointerLeave(from);
      }
    });
    listen('pointerdown', () => this.cancel());
    listen('focusin', event => {
      const name = this._tileOf(event.target);
      if (name !== null) {
        this.focus(name);
      }
    });
  }

  /**
   * The pointer entered backend `name`'s tile: start it after `delay` ms unless it leaves.
   */
  pointerEnter(name: string): void {
    if (this._hovered === name) {
      return;
    }
    this.cancel();
    if (!this._wants(name)) {
      return;
    }
    this._hovered = name;
    this._timer = setTimeout(() => {
      this._timer = null;
      this._hovered = null;
      void this.request(name);
    }, this.delay);
  }

  /**
   * The pointer left backend `name`'s tile before the delay ran out: no intent.
   */
  pointerLeave(name: string): void {
    if (this._hovered === name) {
      this.cancel();
    }
  }

  /**
   * Backend `name`'s tile got keyboard focus: start it now.
   */
  focus(name: string): void {
    if (this._wants(name)) {
      void this.request(name);
    }
  }

  /**
   * Forget a pending pointer rest (the user pressed, or the pointer moved elsewhere).
   */
  cancel(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    this._hovered = null;
  }

  /**
   * Ask the server to start `name` on intent, unless an earlier intent still holds.
   *
   * @returns whether a request was sent.
   */
  async request(name: string): Promise<boolean> {
    if (!this._wants(name) || this._inFlight.has(name)) {
      return false;
    }
    this._inFlight.add(name);
    try {
      const status = await this._options.start(name);
      // The server stops it at the deadline unless it is opened: until then, nothing to ask.
      const until =
        status.intent_deadline !== null
          ? status.intent_deadline * 1000
          : Date.now() + IntentStarter.QUIET_AFTER_RUNNING;
      this._quietUntil.set(name, until);
      this._options.started?.(name, status);
    } catch (error) {
      const code = (error as { status?: unknown })?.status;
      if (code === 409 || code === 404) {
        // Turned off on the server (or not available there): do not ask again.
        this._refused.add(name);
      } else {
        this._quietUntil.set(
          name,
          Date.now() + IntentStarter.QUIET_AFTER_ERROR
        );
      }
      console.debug(`Workbench: start on intent of ${name} refused`, error);
    } finally {
      this._inFlight.delete(name);
    }
    return true;
  }

  /**
   * Stop listening and forget pending intents.
   */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.cancel();
    for (const detach of this._detach.splice(0)) {
      detach();
    }
  }

  private _wants(name: string): boolean {
    return (
      !this._disposed &&
      !this._refused.has(name) &&
      Date.now() >= (this._quietUntil.get(name) ?? 0) &&
      this._options.enabled(name)
    );
  }

  private _tileOf(target: EventTarget | null): string | null {
    if (!target || !(target as Element).closest) {
      return null;
    }
    const tile = (target as Element).closest(this._options.tileSelector);
    return tile ? this._options.backendOf(tile) : null;
  }

  private _options: IntentStarter.IOptions;
  private _hovered: string | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _inFlight = new Set<string>();
  private _refused = new Set<string>();
  private _quietUntil = new Map<string, number>();
  private _detach: (() => void)[] = [];
  private _disposed = false;
}

/**
 * The namespace of `IntentStarter`.
 */
export namespace IntentStarter {
  /** Default milliseconds of pointer rest that count as intent. */
  export const DEFAULT_DELAY = 300;
  /** Milliseconds without a new request after one for a backend that was already running. */
  export const QUIET_AFTER_RUNNING = 10_000;
  /** Milliseconds without a new request after a failed one (network, 5xx). */
  export const QUIET_AFTER_ERROR = 10_000;

  /** What an intent start answers that the starter reads. */
  export type IStartAnswer = Pick<IBackendStatus, 'intent_deadline' | 'state'>;

  /** Options of an `IntentStarter`. */
  export interface IOptions {
    /** Start backend `name` on intent (the services client's `startOnIntent`). */
    start(name: string): Promise<IStartAnswer>;
    /** Whether backend `name` is to be started on intent now (opted in, stopped). */
    enabled(name: string): boolean;
    /** CSS selector of a tile (for `attach()`). */
    tileSelector: string;
    /** The backend a tile stands for, or null for another tile (for `attach()`). */
    backendOf(tile: Element): string | null;
    /** Told after each answered intent start (e.g. to update the tile's state). */
    started?(name: string, answer: IStartAnswer): void;
    /** Milliseconds of pointer rest that count as intent. */
    delay?: number;
  }
}
