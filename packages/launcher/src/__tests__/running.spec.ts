import type { IBackendInfo } from '@jupyter-workbench/services';
import { Signal } from '@lumino/signaling';

import { RunningBackends } from '../running';

const trans = {
  __: (msgid: string, ...args: any[]) =>
    msgid.replace(/%(\d)/g, (_, n) => String(args[Number(n) - 1]))
};

function backend(
  name: string,
  state: IBackendInfo['state'],
  kind: IBackendInfo['kind'] = 'web'
): IBackendInfo {
  return {
    name,
    title: name.toUpperCase(),
    description: `${name} app`,
    kind,
    icon: 'app',
    open_in: 'tab',
    allows_framing: true,
    available: true,
    reason: null,
    install_hint: null,
    version: null,
    state,
    url: `/user/alice/${name}/`,
    raw_socket: false
  };
}

/**
 * A Workbench whose catalogue the test sets, emitting `changed` as the model does.
 */
class Catalogue {
  backends: IBackendInfo[] = [];
  readonly changed = new Signal<any, void>(this);
  refresh = jest.fn(async () => undefined);
  set(backends: IBackendInfo[]): void {
    this.backends = backends;
    this.changed.emit();
  }
}

function manager(catalogue: Catalogue) {
  const open = jest.fn(async () => undefined);
  const stop = jest.fn(async () => undefined);
  const icon = jest.fn(() => 'icon' as any);
  const running = new RunningBackends({
    workbench: catalogue as any,
    trans,
    icon,
    open,
    stop
  });
  return { running, open, stop, icon };
}

describe('RunningBackends', () => {
  it('lists the starting, running and stopping backends', () => {
    const catalogue = new Catalogue();
    catalogue.set([
      backend('vscode', 'running'),
      backend('rstudio', 'stopped'),
      backend('desktop', 'starting', 'desktop'),
      backend('hello', 'failed'),
      backend('notes', 'stopping')
    ]);
    const { running } = manager(catalogue);
    expect(running.name).toBe('Workbench');
    const items = running.running();
    expect(items.map(item => item.label())).toEqual([
      'VSCODE',
      'DESKTOP',
      'NOTES'
    ]);
    expect(items.map(item => item.detail!())).toEqual([
      'running',
      'starting…',
      'stopping…'
    ]);
    expect(items[0].labelTitle!()).toBe('vscode app (/user/alice/vscode/)');
  });

  it('follows state changes of the catalogue', () => {
    const catalogue = new Catalogue();
    catalogue.set([backend('vscode', 'stopped'), backend('hello', 'stopped')]);
    const { running } = manager(catalogue);
    const changed = jest.fn();
    running.runningChanged.connect(changed);
    expect(running.running()).toHaveLength(0);

    catalogue.set([backend('vscode', 'running'), backend('hello', 'stopped')]);
    expect(changed).toHaveBeenCalledTimes(1);
    expect(running.running().map(item => item.label())).toEqual(['VSCODE']);

    // A change outside the listed backends does not redraw the section.
    catalogue.set([backend('vscode', 'running'), backend('hello', 'failed')]);
    expect(changed).toHaveBeenCalledTimes(1);

    catalogue.set([backend('vscode', 'stopped'), backend('hello', 'failed')]);
    expect(changed).toHaveBeenCalledTimes(2);
    expect(running.running()).toHaveLength(0);

    running.dispose();
    catalogue.set([backend('vscode', 'running'), backend('hello', 'failed')]);
    expect(changed).toHaveBeenCalledTimes(2);
  });

  it('opens, stops and stops all through the Workbench actions', () => {
    const catalogue = new Catalogue();
    catalogue.set([
      backend('vscode', 'running'),
      backend('desktop', 'running', 'desktop'),
      backend('hello', 'stopped')
    ]);
    const { running, open, stop, icon } = manager(catalogue);
    const [vscode, desktop] = running.running();
    vscode.open!();
    expect(open).toHaveBeenCalledWith('vscode');
    desktop.shutdown!();
    expect(stop).toHaveBeenCalledWith('desktop');
    expect(desktop.icon()).toBe('icon');
    expect(icon).toHaveBeenCalledWith(catalogue.backends[1]);

    stop.mockClear();
    running.shutdownAll();
    expect(stop.mock.calls).toEqual([['vscode'], ['desktop']]);

    running.refreshRunning();
    expect(catalogue.refresh).toHaveBeenCalledTimes(1);
  });
});
