import { ServerConnection } from '@jupyterlab/services';

import { WorkbenchAPIError, WorkbenchClient } from '../api';
import type { IBackendStatus } from '../schema';
import { backendStatus } from '../ui/__tests__/status';

/** A complete status payload (the keys the client checks for), with `overrides`. */
function fullStatus(overrides: Partial<IBackendStatus>): IBackendStatus {
  return backendStatus({
    loopback_port: null,
    intent_deadline: null,
    detection: {
      available: true,
      version: null,
      reason: null,
      install_hint: null
    } as IBackendStatus['detection'],
    ...overrides
  });
}

describe('WorkbenchClient.startOnIntent', () => {
  // jsdom has no fetch: the request itself is mocked below.
  const settings = {
    baseUrl: 'http://localhost/user/alice/'
  } as ServerConnection.ISettings;

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function answer(status: number, body: unknown) {
    return jest.spyOn(ServerConnection, 'makeRequest').mockResolvedValue({
      ok: status < 300,
      status,
      statusText: String(status),
      text: async () => JSON.stringify(body)
    } as Response);
  }

  it('posts {"intent": true} to the start route and returns the 202 status', async () => {
    const status = fullStatus({ intent_deadline: 1700000060 });
    const request = answer(202, status);
    const client = new WorkbenchClient(settings);
    const answered = await client.startOnIntent('hello');
    expect(answered.intent_deadline).toBe(1700000060);
    const [url, init] = request.mock.calls[0];
    expect(url).toBe(
      'http://localhost/user/alice/workbench/api/backends/hello/start'
    );
    expect(init).toEqual({ method: 'POST', body: '{"intent":true}' });
  });

  it('an explicit start still sends an empty object', async () => {
    const request = answer(200, fullStatus({ state: 'running' }));
    await new WorkbenchClient(settings).start('hello');
    expect(request.mock.calls[0][1]).toEqual({ method: 'POST', body: '{}' });
  });

  it('rejects with the status when the server has it turned off (409)', async () => {
    answer(409, { error: { status: 409, message: 'turned off' } });
    const error = await new WorkbenchClient(settings)
      .startOnIntent('hello')
      .catch(e => e);
    expect(error).toBeInstanceOf(WorkbenchAPIError);
    expect(error.status).toBe(409);
    expect(error.message).toContain('turned off');
  });
});
