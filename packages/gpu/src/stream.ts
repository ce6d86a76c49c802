/**
 * The GPU snapshot stream: a WebSocket that reconnects with backoff after a network
 * loss and is closed while nobody looks (no JupyterLab imports: unit-tested).
 */

import type { IGpuSnapshot } from '@jupyter-workbench/services';

/**
 * The delay before reconnect attempt `attempt` (1-based): 1 s, 2 s, 4 s… capped at `max`.
 */
export function backoffDelay(attempt: number, max = 30000): number {
  return Math.min(max, 1000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * The part of a WebSocket the stream uses.
 */
export interface ISocketLike {
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { data: any }) => void) | null;
  onclose: ((event: any) => void) | null;
  close(): void;
}

/**
 * State of the stream, for the UI.
 */
export type StreamState = 'open' | 'connecting' | 'reconnecting' | 'paused';

/**
 * A WebSocket stream of GPU snapshots (`{"type": "snapshot", "data": …}` messages).
 */
export class GpuStream {
  /**
   * Create a (closed) stream.
   */
  constructor(private options: GpuStream.IOptions) {}

  /** The current state. */
  get state(): StreamState {
    return this._state;
  }

  /** Reconnect attempts since the last message. */
  get attempts(): number {
    return this._attempts;
  }

  /**
   * Open the stream (no-op when it is open or opening).
   */
  open(): void {
    this._wanted = true;
    if (!this._socket && this._timer === null) {
      this._connect();
    }
  }

  /**
   * Close the stream and stop reconnecting (the panel is hidden).
   */
  close(): void {
    this._wanted = false;
    if (this._timer !== null) {
      (this.options.clearTimeout ?? clearTimeout)(this._timer);
      this._timer = null;
    }
    const socket = this._socket;
    this._socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close();
    }
    this._setState('paused');
  }

  private _connect(): void {
    this._timer = null;
    if (!this._wanted) {
      return;
    }
    this._setState(this._attempts ? 'reconnecting' : 'connecting');
    const create =
      this.options.createSocket ??
      ((url: string) => new WebSocket(url) as unknown as ISocketLike);
    let socket: ISocketLike;
    try {
      socket = create(this.options.url());
    } catch {
      this._schedule();
      return;
    }
    this._socket = socket;
    socket.onopen = () => this._setState('open');
    socket.onmessage = event => {
      this._attempts = 0;
      let message: any;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message?.type === 'snapshot' && message.data) {
        this.options.onSnapshot(message.data as IGpuSnapshot);
      }
    };
    socket.onclose = () => {
      if (this._socket === socket) {
        this._socket = null;
        this._schedule();
      }
    };
  }

  private _schedule(): void {
    if (!this._wanted) {
      return;
    }
    this._attempts += 1;
    this._setState('reconnecting');
    this._timer = (this.options.setTimeout ?? setTimeout)(
      () => this._connect(),
      backoffDelay(this._attempts)
    );
  }

  private _setState(state: StreamState): void {
    if (state !== this._state) {
      this._state = state;
      this.options.onState?.(state);
    }
  }

  private _attempts = 0;
  private _socket: ISocketLike | null = null;
  private _state: StreamState = 'paused';
  private _timer: any = null;
  private _wanted = false;
}

/**
 * The stream's types.
 */
export namespace GpuStream {
  /**
   * Options of a stream.
   */
  export interface IOptions {
    /** The WebSocket URL (called at each connect). */
    url: () => string;
    /** Called with every snapshot. */
    onSnapshot: (snapshot: IGpuSnapshot) => void;
    /** Called when the state changes. */
    onState?: (state: StreamState) => void;
    /** Socket factory (tests). */
    createSocket?: (url: string) => ISocketLike;
    /** Timer functions (tests). */
    setTimeout?: (callback: () => void, ms: number) => any;
    /** Timer functions (tests). */
    clearTimeout?: (handle: any) => void;
  }
}
