import type { IBackendStatus } from '../../schema';

/**
 * A backend status as the server answers it, with `overrides`.
 */
export function backendStatus(
  overrides: Partial<IBackendStatus> = {}
): IBackendStatus {
  return {
    name: 'hello',
    title: 'Hello App',
    description: 'A tiny web app',
    kind: 'web',
    icon: 'app',
    open_in: 'tab',
    allows_framing: true,
    available: true,
    reason: null,
    install_hint: null,
    version: null,
    state: 'starting',
    url: '/user/alice/hello/',
    raw_socket: false,
    pid: 4242,
    restarts: 0,
    last_exit_code: null,
    started_at: 1700000000,
    ready_at: null,
    uptime: null,
    elapsed: 0.4,
    timeout: 20,
    error: null,
    next_restart_in: null,
    log_tail: [],
    ...overrides
  };
}

/**
 * A promise with its `resolve` and `reject` handles.
 */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
