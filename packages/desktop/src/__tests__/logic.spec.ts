import {
  afterDisconnect,
  format,
  keyChords,
  reconnectDelay,
  remoteSize,
  rendererBadge,
  websocketUrl
} from '../logic';

describe('reconnectDelay', () => {
  it('doubles from half a second and is capped', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(n => reconnectDelay(n))).toEqual([
      500, 1000, 2000, 4000, 8000, 15000, 15000
    ]);
  });

  it('jitters by at most 10 % either way', () => {
    expect(reconnectDelay(3, 0)).toBe(1800);
    expect(reconnectDelay(3, 1)).toBe(2200);
  });
});

describe('websocketUrl', () => {
  it('follows the page scheme and host', () => {
    expect(
      websocketUrl('/user/alice/desktop/', {
        protocol: 'http:',
        host: 'hub:8000'
      })
    ).toBe('ws://hub:8000/user/alice/desktop/');
    expect(
      websocketUrl('/desktop/', { protocol: 'https:', host: 'hub.example' })
    ).toBe('wss://hub.example/desktop/');
  });
});

describe('remoteSize', () => {
  it('asks for CSS size × devicePixelRatio when HiDPI is on', () => {
    expect(remoteSize(1000, 600, 2, true)).toEqual({
      width: 2000,
      height: 1200
    });
    expect(remoteSize(1000, 600, 2, false)).toEqual({
      width: 1000,
      height: 600
    });
  });

  it('rounds down to even sizes and keeps a minimum', () => {
    expect(remoteSize(801, 601, 1.25, true)).toEqual({
      width: 1000,
      height: 750
    });
    expect(remoteSize(10, 10, 1, true)).toEqual({ width: 320, height: 200 });
  });
});

describe('rendererBadge', () => {
  it('says software for llvmpipe in software mode (no VirtualGL)', () => {
    expect(
      rendererBadge({
        renderer: 'llvmpipe (LLVM 15.0.6, 256 bits)',
        accelerated: false,
        virtualgl: false,
        mode: 'software'
      })
    ).toBe('Software (llvmpipe)');
  });

  it('says VirtualGL is in use apart from acceleration', () => {
    expect(
      rendererBadge({
        renderer: 'llvmpipe (LLVM 15.0.6, 256 bits)',
        accelerated: false,
        virtualgl: true,
        mode: 'egl'
      })
    ).toBe('VirtualGL (EGL) · llvmpipe, not accelerated');
    expect(
      rendererBadge({
        renderer: 'llvmpipe (LLVM 15.0.6, 256 bits)',
        accelerated: false,
        virtualgl: true,
        mode: 'xorg'
      })
    ).toBe('VirtualGL (GLX) · llvmpipe, not accelerated');
  });

  it('names the GPU when accelerated', () => {
    expect(
      rendererBadge({
        renderer: 'NVIDIA H200/PCIe/SSE2',
        accelerated: true,
        virtualgl: true,
        mode: 'egl'
      })
    ).toBe('VirtualGL (EGL) · NVIDIA H200');
  });

  it('says when a GPU mode runs without VirtualGL', () => {
    expect(
      rendererBadge({
        renderer: 'llvmpipe (LLVM 15)',
        accelerated: false,
        virtualgl: false,
        mode: 'sidecar'
      })
    ).toBe('GLX, VirtualGL not in use · llvmpipe, not accelerated');
  });

  it('is empty without a report', () => {
    expect(rendererBadge(null)).toBeNull();
    expect(rendererBadge({ renderer: null })).toBeNull();
  });

  it('goes through the translation function', () => {
    const upper = (msgid: string, ...args: unknown[]) =>
      format(msgid.toUpperCase(), ...args);
    expect(
      rendererBadge(
        {
          renderer: 'llvmpipe (LLVM 15)',
          accelerated: false,
          mode: 'software'
        },
        upper
      )
    ).toBe('SOFTWARE (llvmpipe)');
  });

  it('says unknown when the check failed', () => {
    expect(
      rendererBadge({
        renderer: null,
        mode: 'software',
        error: 'glxinfo is not installed (apt install mesa-utils)'
      })
    ).toBe('Renderer unknown');
  });
});

describe('keyChords', () => {
  it('offers the usual chords and the F-keys', () => {
    const chords = keyChords();
    expect(chords['Alt+F4']).toEqual([
      [0xffe9, 'AltLeft'],
      [0xffc1, 'F4']
    ]);
    expect(chords['F12']).toEqual([[0xffc9, 'F12']]);
    expect(Object.keys(chords)).toHaveLength(15);
  });
});

describe('format', () => {
  it('fills in numbered arguments and leaves unknown ones', () => {
    expect(format('%1 of %2, %3', 1, 'two')).toBe('1 of two, %3');
  });
});

describe('afterDisconnect (the reconnect policy)', () => {
  const base = {
    intent: null,
    serverState: 'running',
    reconnect: true,
    securityFailure: false
  } as const;

  it('never restarts a desktop the user stopped', () => {
    expect(afterDisconnect({ ...base, intent: 'stop' })).toBe('stopped');
    expect(
      afterDisconnect({ ...base, intent: 'stop', serverState: null })
    ).toBe('stopped');
  });

  it('waits for a restart of the user', () => {
    expect(afterDisconnect({ ...base, intent: 'restart' })).toBe('restarting');
  });

  it('keeps a desktop stopped elsewhere or logged out stopped', () => {
    expect(afterDisconnect({ ...base, serverState: 'stopped' })).toBe(
      'stopped'
    );
    expect(afterDisconnect({ ...base, serverState: 'stopping' })).toBe(
      'stopped'
    );
  });

  it('reconnects after crashes and network drops only', () => {
    expect(afterDisconnect({ ...base, serverState: 'failed' })).toBe(
      'reconnect'
    );
    expect(afterDisconnect({ ...base, serverState: 'running' })).toBe(
      'reconnect'
    );
    expect(afterDisconnect({ ...base, serverState: null })).toBe('reconnect');
    expect(
      afterDisconnect({ ...base, serverState: null, reconnect: false })
    ).toBe('disconnected');
    expect(afterDisconnect({ ...base, securityFailure: true })).toBe(
      'disconnected'
    );
  });
});
