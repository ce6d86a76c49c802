import type { IBackendInfo } from '@jupyter-workbench/services';

import { openInFor, tileCaption, tileLabel } from '../labels';

const trans = {
  __: (msgid: string, ...args: any[]) =>
    msgid.replace(/%(\d)/g, (_, n) => String(args[Number(n) - 1]))
};

function backend(overrides: Partial<IBackendInfo> = {}): IBackendInfo {
  return {
    name: 'vscode',
    title: 'VS Code',
    description: 'VS Code on your files',
    kind: 'web',
    icon: 'vscode',
    open_in: 'tab',
    allows_framing: true,
    available: true,
    reason: null,
    install_hint: null,
    version: '4.100.0',
    state: 'stopped',
    url: '/user/alice/vscode/',
    raw_socket: false,
    ...overrides
  };
}

describe('tileLabel', () => {
  it('is the bare title when idle', () => {
    expect(tileLabel(backend(), trans)).toBe('VS Code');
  });

  it('names the state while it is not idle', () => {
    expect(tileLabel(backend({ state: 'starting' }), trans)).toBe(
      'VS Code (starting…)'
    );
    expect(tileLabel(backend({ state: 'running' }), trans)).toBe(
      'VS Code (running)'
    );
    expect(tileLabel(backend({ state: 'failed' }), trans)).toBe(
      'VS Code (failed)'
    );
  });

  it('says when the program is missing, whatever the state', () => {
    expect(
      tileLabel(backend({ available: false, state: 'running' }), trans)
    ).toBe('VS Code (not installed)');
  });
});

describe('tileCaption', () => {
  it('gives the description and version', () => {
    expect(tileCaption(backend(), trans)).toBe(
      'VS Code on your files (4.100.0)'
    );
  });

  it('explains why a backend is unavailable', () => {
    const missing = backend({
      available: false,
      reason: 'code-server is not installed'
    });
    expect(tileCaption(missing, trans)).toBe(
      'VS Code is not available: code-server is not installed'
    );
  });
});

describe('openInFor', () => {
  const settings = { openIn: { rstudio: 'window' as const }, pollInterval: 10 };

  it('prefers the explicit option, then the setting, then the server default', () => {
    expect(openInFor(backend(), { openIn: 'window' }, settings, true)).toBe(
      'window'
    );
    expect(openInFor(backend({ name: 'rstudio' }), {}, settings, true)).toBe(
      'window'
    );
    expect(openInFor(backend(), {}, settings, true)).toBe('tab');
    expect(openInFor(backend({ open_in: 'window' }), {}, settings, true)).toBe(
      'window'
    );
  });

  it('always uses a browser tab without a launcher (Notebook 7)', () => {
    expect(openInFor(backend(), { openIn: 'tab' }, settings, false)).toBe(
      'window'
    );
  });
});
