import { IWorkbench } from '@jupyter-workbench/services';

import { LogView } from '../log';
import { WorkbenchModel } from '../model';

const opener = { open: async () => null };

function backend(name: string, state: string) {
  return { name, title: name, state, kind: 'desktop' } as any;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(r => (resolve = r));
  return { promise, resolve };
}

describe('WorkbenchModel stop and restart (the user intent)', () => {
  it('tells the open views that the user stops a backend before the server answers', async () => {
    const answer = deferred<any>();
    const api = {
      listBackends: jest.fn(async () => [backend('desktop', 'running')]),
      stop: jest.fn(() => answer.promise)
    };
    const model = new WorkbenchModel({
      client: api as any,
      defaultOpener: opener
    });
    await model.ready;
    const seen: Array<[string, string, string]> = [];
    model.lifecycle.connect((_, change: IWorkbench.ILifecycleRequest) => {
      seen.push([change.name, change.action, model.find('desktop')!.state]);
    });
    const stopping = model.stop('desktop');
    // Emitted before the answer, while the tile still says running.
    expect(seen).toEqual([['desktop', 'stop', 'running']]);
    expect(model.find('desktop')!.state).toBe('stopping');
    api.listBackends.mockImplementation(async () => [
      backend('desktop', 'stopped')
    ]);
    answer.resolve({ name: 'desktop', state: 'stopped' });
    expect((await stopping).state).toBe('stopped');
    expect(model.find('desktop')!.state).toBe('stopped');
    model.dispose();
  });

  it('shows a restart as starting until it answers', async () => {
    const answer = deferred<any>();
    const api = {
      listBackends: jest.fn(async () => [backend('desktop', 'running')]),
      restart: jest.fn(() => answer.promise)
    };
    const model = new WorkbenchModel({
      client: api as any,
      defaultOpener: opener
    });
    await model.ready;
    let request: Promise<unknown> | null = null;
    model.lifecycle.connect((_, change) => {
      expect(change.action).toBe('restart');
      request = change.request;
    });
    const restarting = model.restart('desktop');
    expect(request).not.toBeNull();
    expect(model.find('desktop')!.state).toBe('starting');
    answer.resolve({ name: 'desktop', state: 'running' });
    await restarting;
    await expect(request).resolves.toEqual({
      name: 'desktop',
      state: 'running'
    });
    model.dispose();
  });
});

describe('LogView', () => {
  it('opens at the newest lines and follows new ones unless scrolled up', async () => {
    jest.useFakeTimers();
    let lines = Array.from({ length: 200 }, (_, n) => `line ${n}`);
    const client = { logs: jest.fn(async () => lines) };
    const view = new LogView({ name: 'desktop', client, interval: 1000 });
    await view.ready;
    expect(view.node.textContent).toContain('line 199');
    // jsdom has no layout: give the node a size.
    let scrollTop = 0;
    Object.defineProperty(view.node, 'scrollHeight', {
      get: () => lines.length * 10
    });
    Object.defineProperty(view.node, 'clientHeight', { get: () => 100 });
    Object.defineProperty(view.node, 'scrollTop', {
      get: () => scrollTop,
      set: (v: number) => (scrollTop = Math.min(v, lines.length * 10 - 100))
    });
    const { Widget } = await import('@lumino/widgets');
    Widget.attach(view, document.body);
    expect(scrollTop).toBe(1900); // At the end, not at the oldest line.
    lines = [...lines, 'line 200'];
    await jest.advanceTimersByTimeAsync(1000);
    expect(view.lines[view.lines.length - 1]).toBe('line 200');
    expect(scrollTop).toBe(1910); // Followed.
    scrollTop = 0;
    view.node.dispatchEvent(new Event('scroll'));
    lines = [...lines, 'line 201'];
    await jest.advanceTimersByTimeAsync(1000);
    expect(view.lines.length).toBe(202);
    expect(scrollTop).toBe(0); // The reader scrolled up: stays there.
    Widget.detach(view);
    view.dispose();
    jest.useRealTimers();
  });
});
