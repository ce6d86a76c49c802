import type { IGpuSnapshot } from '@jupyter-workbench/services';

import { backoffDelay, GpuStream, ISocketLike, StreamState } from '../stream';

/** A WebSocket double: the test drives its events. */
class FakeSocket implements ISocketLike {
  constructor(readonly url: string) {}
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: { data: any }) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  closed = false;
  close(): void {
    this.closed = true;
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: Array<{ callback: () => void; ms: number; cleared: boolean }> =
    [];
  const snapshots: IGpuSnapshot[] = [];
  const states: StreamState[] = [];
  const stream = new GpuStream({
    url: () => 'ws://host/user/alice/workbench/api/gpu/stream',
    onSnapshot: snapshot => snapshots.push(snapshot),
    onState: state => states.push(state),
    createSocket: url => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    setTimeout: (callback, ms) => {
      const timer = { callback, ms, cleared: false };
      timers.push(timer);
      return timer;
    },
    clearTimeout: timer => {
      timer.cleared = true;
    }
  });
  return { stream, sockets, timers, snapshots, states };
}

describe('backoffDelay', () => {
  it('doubles from 1 s up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(n => backoffDelay(n))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000
    ]);
  });
});

describe('GpuStream', () => {
  it('delivers snapshot messages and ignores others', () => {
    const { stream, sockets, snapshots, states } = setup();
    stream.open();
    stream.open(); // idempotent
    expect(sockets).toHaveLength(1);
    sockets[0].onopen!({});
    sockets[0].onmessage!({
      data: JSON.stringify({ type: 'snapshot', data: { gpus: [] } })
    });
    sockets[0].onmessage!({ data: JSON.stringify({ type: 'other' }) });
    sockets[0].onmessage!({ data: 'not json' });
    expect(snapshots).toEqual([{ gpus: [] }]);
    expect(states).toEqual(['connecting', 'open']);
  });

  it('reconnects with growing backoff after a network loss, reset by a message', () => {
    const { stream, sockets, timers } = setup();
    stream.open();
    sockets[0].onclose!({});
    expect(stream.state).toBe('reconnecting');
    expect(timers.map(t => t.ms)).toEqual([1000]);
    timers[0].callback();
    expect(sockets).toHaveLength(2);
    sockets[1].onclose!({});
    expect(timers.map(t => t.ms)).toEqual([1000, 2000]);
    timers[1].callback();
    sockets[2].onmessage!({
      data: JSON.stringify({ type: 'snapshot', data: {} })
    });
    sockets[2].onclose!({});
    expect(timers[2].ms).toBe(1000);
  });

  it('closes the socket and stops reconnecting while paused (panel hidden)', () => {
    const { stream, sockets, timers } = setup();
    stream.open();
    stream.close();
    expect(sockets[0].closed).toBe(true);
    expect(stream.state).toBe('paused');
    expect(timers).toHaveLength(0);
    // A pending reconnect is cancelled.
    stream.open();
    sockets[1].onclose!({});
    stream.close();
    expect(timers[0].cleared).toBe(true);
    expect(sockets).toHaveLength(2);
  });
});
