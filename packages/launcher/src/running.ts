import type { IBackendInfo, IWorkbench } from '@jupyter-workbench/services';
import type { IRunningSessions } from '@jupyterlab/running';
import type { LabIcon } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';

import type { ITrans } from './labels';

/**
 * States in which a backend is listed in the Running panel.
 */
const LISTED: ReadonlyArray<IBackendInfo['state']> = [
  'starting',
  'running',
  'stopping'
];

/**
 * The Workbench section of JupyterLab's Running panel: the running backends, each
 * with its icon and title; clicking one opens it, its shutdown button stops it.
 * The list follows the catalogue ({@link IWorkbench.changed}).
 */
export class RunningBackends implements IRunningSessions.IManager {
  /**
   * Create the section's manager.
   */
  constructor(options: RunningBackends.IOptions) {
    this._workbench = options.workbench;
    this._trans = options.trans;
    this._actions = options;
    this.name = options.trans.__('Workbench');
    this.shutdownLabel = options.trans.__('Stop');
    this.shutdownAllLabel = options.trans.__('Stop All');
    this.shutdownAllConfirmationText = options.trans.__(
      'Are you sure you want to stop all running Workbench backends?'
    );
    this._workbench.changed.connect(this._onChanged, this);
    this._signature = this._currentSignature();
  }

  /** The section's title. */
  readonly name: string;

  /** The label of an item's shutdown action. */
  readonly shutdownLabel: string;

  /** The label of the section's "shut down all" action. */
  readonly shutdownAllLabel: string;

  /** The question asked before stopping all. */
  readonly shutdownAllConfirmationText: string;

  /** Emitted when the listed backends or their states change. */
  get runningChanged(): ISignal<this, void> {
    return this._runningChanged;
  }

  /**
   * The backends to list: those starting, running or stopping.
   */
  backends(): IBackendInfo[] {
    return this._workbench.backends.filter(backend =>
      LISTED.includes(backend.state)
    );
  }

  /**
   * The Running panel's items (a flat list in both views).
   */
  running(): IRunningSessions.IRunningItem[] {
    return this.backends().map(backend => this._item(backend));
  }

  /**
   * Fetch the catalogue again.
   */
  refreshRunning(): void {
    void this._workbench.refresh();
  }

  /**
   * Stop every listed backend.
   */
  shutdownAll(): void {
    void Promise.all(
      this.backends().map(backend => this._actions.stop(backend.name))
    );
  }

  /**
   * Stop following the catalogue.
   */
  dispose(): void {
    this._workbench.changed.disconnect(this._onChanged, this);
    Signal.clearData(this);
  }

  private _item(backend: IBackendInfo): IRunningSessions.IRunningItem {
    const trans = this._trans;
    return {
      className: 'jp-WorkbenchRunning-item',
      context: backend.name,
      icon: () => this._actions.icon(backend),
      label: () => backend.title,
      labelTitle: () =>
        trans.__('%1 (%2)', backend.description || backend.title, backend.url),
      detail: () => Private.stateLabel(backend.state, trans),
      open: () => void this._actions.open(backend.name),
      shutdown: () => void this._actions.stop(backend.name)
    };
  }

  private _onChanged(): void {
    const signature = this._currentSignature();
    if (signature !== this._signature) {
      this._signature = signature;
      this._runningChanged.emit();
    }
  }

  private _currentSignature(): string {
    return JSON.stringify(
      this.backends().map(backend => [
        backend.name,
        backend.state,
        backend.title
      ])
    );
  }

  private _actions: RunningBackends.IOptions;
  private _runningChanged = new Signal<this, void>(this);
  private _signature: string;
  private _trans: ITrans;
  private _workbench: IWorkbench;
}

/**
 * The manager's types.
 */
export namespace RunningBackends {
  /**
   * Options of the manager.
   */
  export interface IOptions {
    /** The Workbench (catalogue and its `changed` signal). */
    workbench: IWorkbench;
    /** The labels' translations. */
    trans: ITrans;
    /** The icon of a backend. */
    icon: (backend: IBackendInfo) => LabIcon;
    /** Open (or focus) backend `name`. */
    open: (name: string) => Promise<unknown>;
    /** Stop backend `name`. */
    stop: (name: string) => Promise<unknown>;
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * The state shown next to an item.
   */
  export function stateLabel(
    state: IBackendInfo['state'],
    trans: ITrans
  ): string {
    switch (state) {
      case 'starting':
        return trans.__('starting…');
      case 'stopping':
        return trans.__('stopping…');
      default:
        return trans.__('running');
    }
  }
}
