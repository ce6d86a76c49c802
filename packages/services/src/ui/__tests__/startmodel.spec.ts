import { WorkbenchAPIError } from '../../api';
import { StartModel } from '../startmodel';
import { backendStatus, deferred } from './status';

/**
 * A client whose start answers when the test says so, and whose status polls are counted.
 */
function client() {
  const started = deferred<ReturnType<typeof backendStatus>>();
  return {
    started,
    start: jest.fn(() => started.promise),
    getBackend: jest.fn(async () => backendStatus({ elapsed: 1.5 }))
  };
}

describe('StartModel', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('polls the status at the configured interval while starting', async () => {
    const api = client();
    const model = new StartModel({
      client: api,
      name: 'hello',
      title: 'Hello App',
      pollInterval: 250
    });
    const done = model.start();
    expect(model.phase).toBe('starting');
    await jest.advanceTimersByTimeAsync(0);
    expect(api.getBackend).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(api.getBackend).toHaveBeenCalledTimes(5);
    expect(api.getBackend).toHaveBeenLastCalledWith('hello');
    expect(model.status?.elapsed).toBe(1.5);

    api.started.resolve(backendStatus({ state: 'running', elapsed: null }));
    expect((await done)?.state).toBe('running');
    expect(model.phase).toBe('running');
    await jest.advanceTimersByTimeAsync(5000);
    expect(api.getBackend).toHaveBeenCalledTimes(5);
  });

  it('follows a changed interval at once', async () => {
    const api = client();
    const model = new StartModel({
      client: api,
      name: 'hello',
      title: 'Hello'
    });
    void model.start();
    await jest.advanceTimersByTimeAsync(StartModel.DEFAULT_POLL_INTERVAL);
    expect(api.getBackend).toHaveBeenCalledTimes(2);
    model.pollInterval = 2000;
    // The restarted poller fetches at once, then every 2 s.
    await jest.advanceTimersByTimeAsync(1999);
    expect(api.getBackend).toHaveBeenCalledTimes(3);
    await jest.advanceTimersByTimeAsync(1);
    expect(api.getBackend).toHaveBeenCalledTimes(4);
    model.dispose();
  });

  it('shows a failed start with its error and log tail', async () => {
    const api = client();
    const model = new StartModel({
      client: api,
      name: 'hello',
      title: 'Hello'
    });
    const done = model.start();
    api.started.resolve(
      backendStatus({
        state: 'failed',
        error: 'exited with code 3',
        log_tail: ['boom']
      })
    );
    expect(await done).toBeNull();
    expect(model.phase).toBe('failed');
    expect(model.error).toBe('exited with code 3');
    expect(model.status?.log_tail).toEqual(['boom']);
  });

  it('takes the status out of an error answer', async () => {
    const api = client();
    const model = new StartModel({
      client: api,
      name: 'hello',
      title: 'Hello'
    });
    const done = model.start();
    api.started.reject(
      new WorkbenchAPIError(
        409,
        'requires GPU rendering',
        backendStatus({ state: 'failed', log_tail: ['no GPU'] })
      )
    );
    expect(await done).toBeNull();
    expect(model.phase).toBe('failed');
    expect(model.error).toBe('requires GPU rendering');
    expect(model.status?.log_tail).toEqual(['no GPU']);
    expect(model.lastError).toBeInstanceOf(WorkbenchAPIError);
  });

  it('joins a start in flight', async () => {
    const api = client();
    const model = new StartModel({
      client: api,
      name: 'hello',
      title: 'Hello'
    });
    const first = model.start();
    const second = model.start();
    expect(second).toBe(first);
    expect(api.start).toHaveBeenCalledTimes(1);
    model.dispose();
  });

  it('retries with the host action, else starts again', async () => {
    const api = client();
    api.started.resolve(backendStatus({ state: 'failed' }));
    const model = new StartModel({
      client: api,
      name: 'hello',
      title: 'Hello'
    });
    await model.start();
    model.retry();
    expect(api.start).toHaveBeenCalledTimes(2);
    const onRetry = jest.fn();
    const hosted = new StartModel({
      client: api,
      name: 'hello',
      title: 'Hello',
      onRetry
    });
    hosted.retry();
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(api.start).toHaveBeenCalledTimes(2);
  });

  it('records who stopped the backend', () => {
    const model = new StartModel({
      client: client(),
      name: 'hello',
      title: 'Hello'
    });
    model.stopped('user');
    expect(model.phase).toBe('stopped');
    expect(model.stoppedBy).toBe('user');
  });
});

describe('StartModel following a restart', () => {
  it('shows "restarting" while the restart request runs, then running', async () => {
    let answer!: (status: any) => void;
    const request = new Promise<any>(resolve => (answer = resolve));
    const client = {
      start: jest.fn(),
      getBackend: jest.fn(async () => ({ state: 'starting', log_tail: [] }))
    };
    const model = new StartModel({
      client: client as any,
      name: 'd',
      title: 'D'
    });
    const done = model.start({ request });
    expect(model.phase).toBe('starting');
    expect(model.restarting).toBe(true);
    answer({ state: 'running', log_tail: [] });
    expect((await done)?.state).toBe('running');
    expect(model.phase).toBe('running');
    expect(client.start).not.toHaveBeenCalled();
    model.dispose();
  });
});
