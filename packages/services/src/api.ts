import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  IBackendList,
  IBackendLogs,
  IBackendStartRequest,
  IBackendStatus,
  IBackendInfo,
  IDesktopInfo,
  IDesktopList,
  IDesktopWindows,
  IRendererReport,
  IWirePayloads
} from './schema';
import { REQUIRED_KEYS } from './schema';

/*
 * The payload types (`IBackendInfo`, `IBackendStatus`, `BackendState`, `IDesktopInfo`,
 * `IRendererReport`, …) are generated from the JSON Schemas of the wire contract in
 * server-ext/jupyter_workbench/schemas (see ./schema, `npm run gen:types`) and exported
 * from this package's index.
 */

/**
 * The desktop feature's part of a backend status (display, rendering mode, renderer
 * report, …); `null` for a backend that is not a desktop.
 */
export function desktopExtras(status: IBackendStatus): IDesktopInfo | null {
  return status.desktop ?? null;
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
    const data: IBackendList = await this.request(
      'backend-list',
      this.apiUrl('backends') + (refresh ? '?refresh=1' : '')
    );
    return data.backends;
  }

  /**
   * Fetch one backend's full status.
   */
  getBackend(name: string): Promise<IBackendStatus> {
    return this.request(
      'backend-status',
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
   * Start a backend on the user's intent (the pointer rests on its tile, or the tile has
   * keyboard focus): resolves at once (202), with `intent_deadline` set unless it was
   * already running. The server stops it again unless it is opened before that deadline;
   * a `WorkbenchAPIError` with status 409 when the server has start on intent turned off
   * (or the backend is not available).
   */
  startOnIntent(name: string): Promise<IBackendStatus> {
    const body: IBackendStartRequest = { intent: true };
    return this.action(name, 'start', body);
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
    const data: IBackendLogs = await this.request(
      'backend-logs',
      this.apiUrl('backends', encodeURIComponent(name), 'logs') +
        `?lines=${lines}`
    );
    return data.lines;
  }

  /**
   * The desktop profiles and their runtime facts (`GET desktops`).
   */
  async listDesktops(): Promise<IDesktopList['desktops']> {
    const data = await this.request('desktop-list', this.apiUrl('desktops'));
    return data.desktops;
  }

  /**
   * The renderer report of a running desktop (`GET desktops/{name}/renderer`); a
   * `WorkbenchAPIError` with status 409 while it is not running or not checked yet.
   */
  renderer(name: string, refresh = false): Promise<IRendererReport> {
    return this.request(
      'renderer-report',
      this.apiUrl('desktops', encodeURIComponent(name), 'renderer') +
        (refresh ? '?refresh=1' : '')
    );
  }

  /**
   * The application windows open on a running desktop (`GET desktops/{name}/windows`);
   * `count` is `null` where the desktop's window manager does not list them.
   */
  desktopWindows(name: string): Promise<IDesktopWindows> {
    return this.request(
      'desktop-windows',
      this.apiUrl('desktops', encodeURIComponent(name), 'windows')
    );
  }

  /**
   * Send a request to the Workbench API and return its JSON answer as payload `kind`
   * of the wire contract: the one place where JSON becomes a typed value.
   *
   * An answer without the top-level keys that `kind` requires is refused with a
   * `WorkbenchAPIError`. Status 502 from start/restart carries a status body (the
   * backend failed): it is returned, not thrown, so callers can show the logs.
   */
  async request<K extends keyof IWirePayloads>(
    kind: K,
    url: string,
    init: RequestInit = {},
    acceptStatus: number[] = []
  ): Promise<IWirePayloads[K]> {
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
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    if (!response.ok && !acceptStatus.includes(response.status)) {
      throw new WorkbenchAPIError(
        response.status,
        Private.errorMessage(body) ?? response.statusText,
        body
      );
    }
    const missing = Private.missingKeys(body, REQUIRED_KEYS[kind]);
    if (missing.length) {
      throw new WorkbenchAPIError(
        response.status,
        `Unexpected answer from ${url}: a ${kind} needs ${missing.join(', ')}`,
        body
      );
    }
    return body as IWirePayloads[K];
  }

  private action(
    name: string,
    verb: string,
    body: IBackendStartRequest = {}
  ): Promise<IBackendStatus> {
    return this.request(
      'backend-status',
      this.apiUrl('backends', encodeURIComponent(name), verb),
      { method: 'POST', body: JSON.stringify(body) },
      [502]
    );
  }
}

/**
 * A namespace for module-private functions.
 */
namespace Private {
  /**
   * The message of an error body (`{"error": {"message"}}`), if it has one.
   */
  export function errorMessage(body: unknown): string | null {
    if (!isObject(body)) {
      return null;
    }
    const error = body.error;
    const message = isObject(error) ? error.message : body.message;
    return message === undefined || message === null ? null : String(message);
  }

  /**
   * The keys of `required` that `body` lacks (all of them when it is not a JSON object).
   */
  export function missingKeys(
    body: unknown,
    required: readonly string[]
  ): string[] {
    return isObject(body)
      ? required.filter(key => !(key in body))
      : [...required];
  }

  function isObject(value: unknown): value is Record<string, unknown> {
    return !!value && typeof value === 'object' && !Array.isArray(value);
  }
}
