import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * Lifecycle states of a backend, as reported by the server's supervisor.
 */
export type BackendState =
  'stopped' | 'starting' | 'running' | 'failed' | 'stopping';

/**
 * One entry of the backend catalogue (`GET workbench/api/backends`).
 */
export interface IBackendInfo {
  /** URL-safe name, e.g. `vscode`. */
  name: string;
  /** Title for the launcher tile. */
  title: string;
  /** One-line description. */
  description: string;
  /** How the frontend opens it. */
  kind: 'web' | 'desktop';
  /** Built-in icon id (`desktop`, `vscode`, `rstudio`, `app`) or SVG markup. */
  icon: string;
  /** Default place to open it. */
  open_in: 'tab' | 'window';
  /** Whether the app can be shown in an iframe. */
  allows_framing: boolean;
  /** Whether the backend's program was found. */
  available: boolean;
  /** Why it is unavailable. */
  reason: string | null;
  /** What to install to make it available. */
  install_hint: string | null;
  /** Version of the program found. */
  version: string | null;
  /** Current lifecycle state. */
  state: BackendState;
  /** Proxied path the UI opens (absolute path, includes the base URL). */
  url: string;
  /** Whether the proxy carries a raw stream (VNC) rather than HTTP. */
  raw_socket: boolean;
}

/**
 * Full status of one backend (`GET workbench/api/backends/{name}`).
 */
export interface IBackendStatus extends IBackendInfo {
  /** Process id while alive. */
  pid: number | null;
  /** Restarts so far (automatic and manual). */
  restarts: number;
  /** Exit code of the last run. */
  last_exit_code: number | null;
  /** Epoch seconds when the current run was spawned. */
  started_at: number | null;
  /** Epoch seconds when it became ready. */
  ready_at: number | null;
  /** Seconds since it became ready. */
  uptime: number | null;
  /** Seconds since spawn while starting. */
  elapsed: number | null;
  /** Readiness timeout in seconds. */
  timeout: number;
  /** Why the last start failed or the backend crashed. */
  error: string | null;
  /** Seconds until the automatic restart after a crash. */
  next_restart_in: number | null;
  /** The last log lines. */
  log_tail: string[];
  /** Backend-specific extras (e.g. a desktop's renderer). */
  [extra: string]: unknown;
}

/**
 * An error answered by the Workbench API, with its JSON message.
 */
export class WorkbenchAPIError extends Error {
  /**
   * Create an error for an HTTP `status` with the server's `message`.
   */
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown
  ) {
    super(message);
    this.name = 'WorkbenchAPIError';
  }
}

/**
 * Typed client of the Workbench REST API under `{base_url}workbench/api/`.
 */
export class WorkbenchClient {
  /**
   * Create a client using `serverSettings` (defaults to the page's settings).
   */
  constructor(serverSettings?: ServerConnection.ISettings) {
    this.serverSettings = serverSettings ?? ServerConnection.makeSettings();
  }

  /** Connection settings used for every request. */
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * The absolute URL of an API path below `workbench/api/`.
   */
  apiUrl(...parts: string[]): string {
    return URLExt.join(
      this.serverSettings.baseUrl,
      'workbench',
      'api',
      ...parts
    );
  }

  /**
   * Fetch the backend catalogue.
   */
  async listBackends(refresh = false): Promise<IBackendInfo[]> {
    const data = await this.request<{ backends: IBackendInfo[] }>(
      this.apiUrl('backends') + (refresh ? '?refresh=1' : '')
    );
    return data.backends;
  }

  /**
   * Fetch one backend's full status.
   */
  getBackend(name: string): Promise<IBackendStatus> {
    return this.request<IBackendStatus>(
      this.apiUrl('backends', encodeURIComponent(name))
    );
  }

  /**
   * Start a backend; resolves once it is running or has failed.
   */
  start(name: string): Promise<IBackendStatus> {
    return this.action(name, 'start');
  }

  /**
   * Stop a backend.
   */
  stop(name: string): Promise<IBackendStatus> {
    return this.action(name, 'stop');
  }

  /**
   * Restart a backend; resolves once it is running or has failed.
   */
  restart(name: string): Promise<IBackendStatus> {
    return this.action(name, 'restart');
  }

  /**
   * The last `lines` log lines of a backend.
   */
  async logs(name: string, lines = 500): Promise<string[]> {
    const data = await this.request<{ lines: string[] }>(
      this.apiUrl('backends', encodeURIComponent(name), 'logs') +
        `?lines=${lines}`
    );
    return data.lines;
  }

  /**
   * Send a request to the Workbench API and parse its JSON answer.
   *
   * Status 502 from start/restart carries a status body (the backend failed):
   * it is returned, not thrown, so callers can show the logs.
   */
  async request<T>(
    url: string,
    init: RequestInit = {},
    acceptStatus: number[] = []
  ): Promise<T> {
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(
        url,
        init,
        this.serverSettings
      );
    } catch (error) {
      throw new ServerConnection.NetworkError(error as TypeError);
    }
    const text = await response.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    if (!response.ok && !acceptStatus.includes(response.status)) {
      const message =
        body?.error?.message ?? body?.message ?? response.statusText;
      throw new WorkbenchAPIError(response.status, String(message), body);
    }
    return body as T;
  }

  private action(name: string, verb: string): Promise<IBackendStatus> {
    return this.request<IBackendStatus>(
      this.apiUrl('backends', encodeURIComponent(name), verb),
      { method: 'POST', body: '{}' },
      [502]
    );
  }
}
