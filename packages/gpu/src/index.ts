/**
 * @packageDocumentation
 * @module gpu
 */

import {
  GpuClient,
  IGpuSnapshot,
  IWorkbench
} from '@jupyter-workbench/services';
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { Poll } from '@lumino/polling';
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import gpuSvg from '../style/gpu.svg';
import { VerdictWatch, worstVerdict } from './logic';

export * from './logic';

/**
 * The GPU icon.
 */
export const gpuIcon = new LabIcon({ name: 'workbench:gpu', svgstr: gpuSvg });

/**
 * Command ids of the GPU panel.
 */
export namespace CommandIDs {
  /** Show the GPU panel. */
  export const open = 'workbench-gpu:open';
}

const PLUGIN_ID = '@jupyter-workbench/gpu:plugin';
const PANEL_ID = 'jp-workbench-gpu';

/**
 * The GPU plugin: side panel, status bar item and health notifications.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'GPU panel: status, health, history, processes and checks.',
  autoStart: true,
  requires: [IWorkbench, ITranslator],
  optional: [IStatusBar, ILayoutRestorer, ISettingRegistry],
  activate
};

/**
 * Activate the GPU plugin.
 */
function activate(
  app: JupyterFrontEnd,
  workbench: IWorkbench,
  translator: ITranslator,
  statusBar: IStatusBar | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null
): void {
  const trans = translator.load('jupyter-workbench');
  const client = new GpuClient(workbench.client);
  const settings = {
    historyWindow: '1h' as '1h' | '24h',
    notify: true,
    statusBar: true
  };
  const watch = new VerdictWatch(2);

  // The panel's code (and its charts) is loaded the first time the panel is shown.
  const host = new Private.LazyHost(() => void ensurePanel());
  host.id = PANEL_ID;
  host.title.icon = gpuIcon;
  host.title.caption = trans.__('GPU');
  host.addClass('jp-WorkbenchGpu-host');
  let loading: Promise<void> | null = null;
  const onSnapshot = (snapshot: IGpuSnapshot) => {
    updateStatus(snapshot);
    notify(snapshot);
  };
  const ensurePanel = () => {
    loading ??= import('./panel').then(({ GpuPanel }) => {
      const panel = new GpuPanel({
        client,
        trans,
        window: settings.historyWindow
      });
      panel.snapshotReceived.connect((_, snapshot) => onSnapshot(snapshot));
      host.addWidget(panel);
    });
    return loading;
  };
  app.shell.add(host, 'right', { rank: 900, type: 'GPU' });
  restorer?.add(host, PANEL_ID);

  app.commands.addCommand(CommandIDs.open, {
    label: trans.__('Show GPU Panel'),
    icon: gpuIcon,
    execute: () => app.shell.activateById(PANEL_ID)
  });

  // Status bar: GPU count, utilization and a verdict dot; a slow poll while the panel is hidden.
  const item = new Widget();
  item.addClass('jp-WorkbenchGpu-status');
  item.node.title = trans.__('GPU status (click for the GPU panel)');
  item.node.addEventListener('click', () => app.shell.activateById(PANEL_ID));
  const updateStatus = (snapshot: IGpuSnapshot) => {
    const gpus = snapshot.gpus;
    item.node.dataset.verdict = gpus.length ? worstVerdict(gpus) : 'none';
    if (!gpus.length) {
      item.node.textContent = trans.__('No GPU');
      return;
    }
    const util = gpus
      .map(g => g.utilization_gpu_percent)
      .filter((v): v is number => v !== null);
    const average = util.length
      ? `${Math.round(util.reduce((a, b) => a + b, 0) / util.length)} %`
      : 'N/A';
    item.node.textContent = trans._n(
      '%1 GPU · %2',
      '%1 GPUs · %2',
      gpus.length,
      average
    );
  };
  const notify = (snapshot: IGpuSnapshot) => {
    for (const change of watch.update(snapshot.gpus)) {
      if (!settings.notify) {
        continue;
      }
      const findings = change.gpu.health.findings
        .filter(f => f.severity !== 'info')
        .map(f => f.message)
        .join('; ');
      const message = trans.__(
        'GPU %1 (%2) is now %3: %4',
        change.gpu.index,
        change.gpu.name ?? '',
        change.to,
        findings
      );
      if (change.to === 'critical') {
        Notification.error(message, { autoClose: false });
      } else {
        Notification.warning(message, { autoClose: 10000 });
      }
    }
  };
  if (statusBar) {
    statusBar.registerStatusItem(`${PLUGIN_ID}:status`, {
      item,
      align: 'left',
      rank: 5,
      isActive: () => settings.statusBar
    });
    const poll = new Poll({
      factory: async () => {
        if (host.isVisible) {
          return; // the panel's stream keeps the status item current
        }
        onSnapshot(await client.snapshot());
      },
      frequency: { interval: 10000, backoff: true, max: 120000 },
      name: `${PLUGIN_ID}:status`,
      standby: 'when-hidden'
    });
    void poll.start();
  }

  if (settingRegistry) {
    void settingRegistry
      .load(PLUGIN_ID)
      .then(loaded => {
        const update = () => Object.assign(settings, loaded.composite);
        update();
        loaded.changed.connect(update);
      })
      .catch(reason => console.error('Failed to load GPU settings', reason));
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * A side-panel host that calls `onFirstShow` whenever it is shown (the panel's code
   * is imported then, not at JupyterLab start).
   */
  export class LazyHost extends Panel {
    constructor(private onShow: () => void) {
      super();
    }

    protected onAfterShow(msg: Message): void {
      super.onAfterShow(msg);
      this.onShow();
    }
  }
}

export default plugin;
