import { WorkbenchModel } from '../model';

/**
 * A catalogue client that counts its fetches.
 */
function client() {
  return { listBackends: jest.fn(async () => []) };
}

const opener = { open: async () => null };

describe('WorkbenchModel settings', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('polls the catalogue at the configured pollInterval', async () => {
    const api = client();
    const model = new WorkbenchModel({
      client: api as any,
      defaultOpener: opener
    });
    await jest.advanceTimersByTimeAsync(100);
    await model.ready;
    expect(api.listBackends).toHaveBeenCalledTimes(1);

    // What the plugin does when the settings load: pollInterval is in seconds.
    model.configure({ pollInterval: 2 });
    await jest.advanceTimersByTimeAsync(2050);
    expect(api.listBackends).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(6000);
    expect(api.listBackends).toHaveBeenCalledTimes(5);

    // And back to a slow poll.
    model.configure({ pollInterval: 30 });
    await jest.advanceTimersByTimeAsync(29000);
    expect(api.listBackends).toHaveBeenCalledTimes(5);
    await jest.advanceTimersByTimeAsync(1100);
    expect(api.listBackends).toHaveBeenCalledTimes(6);
    model.dispose();
  });

  it('uses the default interval until the settings load', async () => {
    const api = client();
    const model = new WorkbenchModel({
      client: api as any,
      defaultOpener: opener
    });
    await jest.advanceTimersByTimeAsync(100);
    expect(api.listBackends).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(9800);
    expect(api.listBackends).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(300);
    expect(api.listBackends).toHaveBeenCalledTimes(2);
    model.dispose();
  });

  it('gives the start views the configured progress interval', async () => {
    const model = new WorkbenchModel({
      client: client() as any,
      defaultOpener: opener
    });
    await jest.advanceTimersByTimeAsync(100);
    expect(model.progressInterval).toBe(500);
    model.configure({ progressInterval: 0.25, openIn: { hello: 'window' } });
    expect(model.progressInterval).toBe(250);
    expect(model.settings.openIn).toEqual({ hello: 'window' });
    expect(model.settings.pollInterval).toBe(10);
    model.dispose();
  });
});
