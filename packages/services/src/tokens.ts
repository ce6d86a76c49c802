import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { WorkbenchClient } from './api';
import type { IBackendInfo, IBackendStatus } from './schema';

/**
 * The Workbench: the backend catalogue, its client and the openers per backend kind.
 */
export interface IWorkbench {
  /**
   * The REST client of the Workbench API.
   */
  readonly client: WorkbenchClient;

  /**
   * The catalogue as last fetched (empty until {@link IWorkbench.ready}).
   */
  readonly backends: ReadonlyArray<IBackendInfo>;

  /**
   * Resolves once the catalogue was fetched the first time.
   */
  readonly ready: Promise<void>;

  /**
   * Emitted when the catalogue or a backend's state changed.
   */
  readonly changed: ISignal<IWorkbench, void>;

  /**
   * Milliseconds between status polls while a backend starts (from the settings),
   * for every start view (web apps and desktops).
   */
  readonly progressInterval: number;

  /**
   * Emitted when the user asks to stop or restart a backend, before the request is
   * answered: the backend's open views follow the user's intent (a stopped desktop
   * stays stopped; a restarted one shows the restart and reconnects after it).
   */
  readonly lifecycle: ISignal<IWorkbench, IWorkbench.ILifecycleRequest>;

  /**
   * Fetch the catalogue again.
   */
  refresh(): Promise<void>;

  /**
   * Stop backend `name` for the user (emits {@link IWorkbench.lifecycle} first).
   */
  stop(name: string): Promise<IBackendStatus>;

  /**
   * Restart backend `name` for the user (emits {@link IWorkbench.lifecycle} first);
   * resolves once it runs again or failed.
   */
  restart(name: string): Promise<IBackendStatus>;

  /**
   * The catalogue entry named `name`, if known.
   */
  find(name: string): IBackendInfo | undefined;

  /**
   * Open backend `name`: start it (showing progress), then show it.
   */
  open(name: string, options?: IWorkbench.IOpenOptions): Promise<void>;

  /**
   * Register how backends of `kind` are opened (e.g. `desktop` → the noVNC viewer).
   */
  registerOpener(kind: string, opener: IWorkbench.IOpener): IDisposable;
}

/**
 * The Workbench token and its types.
 */
export namespace IWorkbench {
  /**
   * Options of {@link IWorkbench.open}.
   */
  export interface IOpenOptions {
    /**
     * Where to open: a JupyterLab tab or a new browser tab (default: the backend's setting).
     */
    openIn?: 'tab' | 'window';
  }

  /**
   * A stop or restart asked for by the user ({@link IWorkbench.lifecycle}).
   */
  export interface ILifecycleRequest {
    /** The backend's name. */
    name: string;
    /** What the user asked for. */
    action: 'stop' | 'restart';
    /** The request: resolves to the backend's status once the server answered. */
    request: Promise<IBackendStatus>;
  }

  /**
   * Opens backends of one kind.
   */
  export interface IOpener {
    /**
     * Open `backend` and return the main-area widget showing it (if any).
     */
    open(backend: IBackendInfo, options: IOpenOptions): Promise<Widget | null>;
  }
}

/**
 * The Workbench service token.
 */
export const IWorkbench = new Token<IWorkbench>(
  '@jupyter-workbench/services:IWorkbench',
  'The Workbench backend catalogue, its REST client and the openers per backend kind.'
);
