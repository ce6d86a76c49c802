import { fireEvent, screen, waitFor } from '@testing-library/dom';
import { Widget } from '@lumino/widgets';

import { StartModel } from '../startmodel';
import { StartView } from '../startview';
import { backendStatus, deferred } from './status';

type Status = ReturnType<typeof backendStatus>;

/**
 * The start view of "Hello App" attached to the page, with a client whose start
 * requests answer when the test says so.
 */
function mount(progress: Status) {
  const starts: Array<ReturnType<typeof deferred<Status>>> = [];
  const api = {
    start: jest.fn(() => {
      const answer = deferred<Status>();
      starts.push(answer);
      return answer.promise;
    }),
    getBackend: jest.fn(async () => progress)
  };
  const model = new StartModel({
    client: api,
    name: 'hello',
    title: 'Hello App',
    pollInterval: 20
  });
  const view = new StartView({ model });
  Widget.attach(view, document.body);
  return { api, model, view, starts };
}

describe('StartView', () => {
  let view: StartView | null = null;

  beforeAll(() => {
    // The widget renders from Lumino's message loop, as in JupyterLab, not inside act().
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = false;
  });

  afterEach(() => {
    view?.model.dispose();
    view?.dispose();
    view = null;
  });

  it('shows progress while the backend starts', async () => {
    const mounted = mount(
      backendStatus({ elapsed: 2.5, timeout: 20, log_tail: ['listening…'] })
    );
    view = mounted.view;
    void mounted.model.start();
    expect(
      await screen.findByRole('heading', { name: 'Starting Hello App…' })
    ).toBeTruthy();
    expect(
      await screen.findByText('2.5 s elapsed (gives up after 20 s)')
    ).toBeTruthy();
    const bar = screen.getByRole('progressbar', {
      name: 'Starting Hello App…'
    });
    expect(bar.getAttribute('max')).toBe('20');
    expect(bar.getAttribute('value')).toBe('2.5');
    expect(
      screen.getByRole('log', { name: 'Last log lines' }).textContent
    ).toBe('listening…');
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(view.node.dataset.phase).toBe('starting');
  });

  it('shows the failure, its log tail and Retry, which starts again', async () => {
    const mounted = mount(backendStatus());
    view = mounted.view;
    void mounted.model.start();
    mounted.starts[0].resolve(
      backendStatus({
        state: 'failed',
        error: 'The app exited with code 3.',
        log_tail: ['Traceback (most recent call last):', 'RuntimeError: boom']
      })
    );
    expect(
      await screen.findByRole('heading', {
        name: 'Hello App could not be started'
      })
    ).toBeTruthy();
    // The user's words first; the server's error and log folded below, once each.
    expect(
      screen.getByText(/Something went wrong while starting it/)
    ).toBeTruthy();
    expect(screen.getAllByText('The app exited with code 3.')).toHaveLength(1);
    expect(
      screen.getByText('Details for your administrator').closest('details')
    ).toBeTruthy();
    expect(
      screen.getByRole('log', { name: 'Last log lines' }).textContent
    ).toBe('Traceback (most recent call last):\nRuntimeError: boom');
    expect(screen.queryByRole('progressbar')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(mounted.api.start).toHaveBeenCalledTimes(2);
    expect(
      await screen.findByRole('heading', { name: 'Starting Hello App…' })
    ).toBeTruthy();
    mounted.starts[1].resolve(backendStatus({ state: 'running' }));
    await waitFor(() => expect(view!.node.childElementCount).toBe(0));
    expect(mounted.model.phase).toBe('running');
  });

  it('offers Start once stopped', async () => {
    const mounted = mount(backendStatus());
    view = mounted.view;
    mounted.model.stopped('user');
    expect(
      await screen.findByRole('heading', { name: 'Hello App is stopped' })
    ).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    expect(mounted.api.start).toHaveBeenCalledTimes(1);
  });
});
