/**
 * @packageDocumentation
 * @module gpu
 */

import {
  GpuClient,
  GpuHistoryWindow,
  IGpuSnapshot
} from '@jupyter-workbench/services';
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Clipboard,
  ICommandPalette,
  IThemeManager,
  Notification
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { Poll } from '@lumino/polling';
import { Message } from '@lumino/messaging';
import { Panel } from '@lumino/widgets';

import gpuSvg from '../style/gpu.svg';
import {
  gpuTitle,
  notifiableFindings,
  VerdictWatch,
  verdictLabel
} from './logic';
import { GpuModel } from './model';
import { diagnosticReport } from './report';
import { GpuStatusItem } from './status';

export * from './details';
export * from './logic';
export * from './model';
export * from './report';
export { GpuStatusItem } from './status';

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
  /** Show the GPU panel and run the CUDA and OpenGL checks. */
  export const runChecks = 'workbench-gpu:run-checks';
  /** Copy a diagnostic report (snapshot, health, details, checks) to the clipboard. */
  export const copyReport = 'workbench-gpu:copy-report';
}

const PLUGIN_ID = '@jupyter-workbench/gpu:plugin';
const PANEL_ID = 'jp-workbench-gpu';

/**
 * The GPU plugin: side panel, status bar item and health notifications. It stands
 * alone (its own GPU client), so it works with the launcher plugin disabled.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'GPU panel: status, health, history, processes and checks.',
  autoStart: true,
  requires: [ITranslator],
  optional: [
    IStatusBar,
    ILayoutRestorer,
    ISettingRegistry,
    ICommandPalette,
    IThemeManager
  ],
  activate
};

/**
 * Activate the GPU plugin.
 */
function activate(
  app: JupyterFrontEnd,
  translator: ITranslator,
  statusBar: IStatusBar | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null,
  themeManager: IThemeManager | null
): void {
  const trans = translator.load('jupyter-workbench');
  const client = new GpuClient(app.serviceManager.serverSettings);
  const settings: Private.ISettings = {
    historyWindow: '1h',
    notify: true,
    statusBar: true
  };
  // The one GPU state: the status item and the panel render it, the poll (panel
  // hidden) or the panel's stream (panel shown) feed it.
  const model = new GpuModel({ client, window: settings.historyWindow });
  const watch = new VerdictWatch(2, 10);
  // The loaded settings: the panel's window picker writes the history window there.
  let loadedSettings: ISettingRegistry.ISettings | null = null;
  // The charts draw the theme's colours on canvases: redraw them on a theme change.
  themeManager?.themeChanged.connect(() => model.retheme());

  // The panel's code (React views and uPlot) is imported the first time it is shown.
  const host = new Private.LazyHost(() => void ensurePanel());
  host.id = PANEL_ID;
  host.title.icon = gpuIcon;
  host.title.caption = trans.__('GPU');
  host.addClass('jp-WorkbenchGpu-host');
  let panel: import('./panel').GpuPanel | null = null;
  let loading: Promise<void> | null = null;
  const ensurePanel = () => {
    loading ??= import('./panel')
      .then(({ GpuPanel }) => {
        panel = new GpuPanel({
          model,
          client,
          trans,
          onWindow: window => {
            if (!loadedSettings) {
              panel?.setWindow(window);
              return;
            }
            // The setting's change handler updates the panel (and any other view).
            loadedSettings.set('historyWindow', window).catch(reason => {
              console.error('Failed to save the GPU history window', reason);
              panel?.setWindow(window);
            });
          }
        });
        host.addWidget(panel);
      })
      .catch(reason => {
        loading = null;
        console.error('Failed to load the GPU panel', reason);
      });
    return loading;
  };
  app.shell.add(host, 'right', { rank: 900, type: 'GPU' });
  restorer?.add(host, PANEL_ID);

  app.commands.addCommand(CommandIDs.open, {
    label: trans.__('Show GPU Panel'),
    caption: trans.__('GPU status, health, history, processes and checks'),
    icon: gpuIcon,
    execute: () => app.shell.activateById(PANEL_ID)
  });
  app.commands.addCommand(CommandIDs.runChecks, {
    label: trans.__('Run GPU Checks (CUDA and OpenGL)'),
    caption: trans.__(
      'Show the GPU panel and check CUDA and 3D acceleration on the Jupyter server’s machine'
    ),
    execute: async () => {
      app.shell.activateById(PANEL_ID);
      await Promise.all([model.runCheck('cuda'), model.runCheck('opengl')]);
    }
  });
  app.commands.addCommand(CommandIDs.copyReport, {
    label: trans.__('Copy GPU Diagnostic Report'),
    caption: trans.__(
      'Copy the GPU snapshot, health, details and check results as text'
    ),
    execute: async () => {
      if (!model.snapshot) {
        try {
          model.setSnapshot(await client.snapshot());
        } catch (reason) {
          console.warn('GPU snapshot unavailable', reason);
        }
      }
      const text = diagnosticReport(
        model.snapshot,
        { cuda: model.check('cuda'), opengl: model.check('opengl') },
        trans
      );
      Clipboard.copyToSystem(text);
      Notification.success(
        trans.__('GPU diagnostic report copied to the clipboard.'),
        { autoClose: 4000 }
      );
      return text;
    }
  });
  if (palette) {
    const category = trans.__('Workbench GPU');
    for (const command of [
      CommandIDs.open,
      CommandIDs.runChecks,
      CommandIDs.copyReport
    ]) {
      palette.addItem({ command, category });
    }
  }

  // Status bar: GPU count, utilization and a verdict dot.
  const item = new GpuStatusItem(model, trans);
  item.node.addEventListener('click', () => app.shell.activateById(PANEL_ID));

  // Health notifications: a confirmed worse verdict.
  model.snapshotReceived.connect((_, snapshot: IGpuSnapshot) => {
    for (const change of watch.update(snapshot)) {
      if (!settings.notify) {
        continue;
      }
      const findings = notifiableFindings(change.gpu.health.findings);
      const message = trans.__(
        '%1 is now %2: %3',
        gpuTitle(change.gpu),
        verdictLabel(change.to, trans),
        findings.map(f => `${f.message}. ${f.advice}`).join(' ')
      );
      const options = {
        autoClose: change.to === 'critical' ? (false as const) : 15000,
        actions: [
          {
            label: trans.__('Show GPU Panel'),
            callback: () => app.shell.activateById(PANEL_ID)
          }
        ]
      };
      if (change.to === 'critical') {
        Notification.error(message, options);
      } else {
        Notification.warning(message, options);
      }
    }
  });

  if (statusBar) {
    statusBar.registerStatusItem(`${PLUGIN_ID}:status`, {
      item,
      align: 'left',
      rank: 5,
      isActive: () => settings.statusBar,
      activeStateChanged: item.activeStateChanged
    });
  }
  // While the panel is hidden, a slow poll keeps the status item and the notifications
  // going (the panel's stream does it while visible).
  const poll = new Poll({
    factory: async () => {
      if (host.isVisible && panel?.streamState === 'open') {
        return;
      }
      model.setSnapshot(await client.snapshot());
    },
    frequency: { interval: 10000, backoff: true, max: 120000 },
    name: `${PLUGIN_ID}:status`,
    standby: 'when-hidden'
  });
  void app.restored.then(() => poll.start());

  if (settingRegistry) {
    void settingRegistry
      .load(PLUGIN_ID)
      .then(loaded => {
        loadedSettings = loaded;
        const update = () => {
          const composite = loaded.composite as Partial<Private.ISettings>;
          settings.historyWindow = composite.historyWindow ?? '1h';
          settings.notify = composite.notify ?? true;
          settings.statusBar = composite.statusBar ?? true;
          if (panel) {
            panel.setWindow(settings.historyWindow);
          } else {
            model.window = settings.historyWindow;
          }
          item.activeStateChanged.emit();
        };
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
    /**
     * Create a host calling `onShow` whenever it is shown.
     */
    constructor(private onShow: () => void) {
      super();
    }

    protected onAfterShow(msg: Message): void {
      super.onAfterShow(msg);
      this.onShow();
    }
  }

  /**
   * The plugin's settings (schema/plugin.json).
   */
  export interface ISettings {
    historyWindow: GpuHistoryWindow;
    notify: boolean;
    statusBar: boolean;
  }
}

export default plugin;
