/**
 * @packageDocumentation
 * @module launcher
 */

import {
  IBackendInfo,
  IWorkbench,
  WorkbenchClient
} from '@jupyter-workbench/services';
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  MainAreaWidget,
  Notification,
  showDialog,
  ToolbarButton,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { launchIcon, refreshIcon, stopIcon } from '@jupyterlab/ui-components';
import { DisposableSet } from '@lumino/disposable';
import { Menu, MenuBar, PanelLayout, Widget } from '@lumino/widgets';

import { iconFor, tileIconFor } from './icons';
import { LogView } from './log';
import { IntentStarter } from './intent';
import { ILauncherSettings, openInFor, tileCaption, tileLabel } from './labels';
import { WorkbenchModel } from './model';
import { BackendPanel } from './panel';
import { RunningBackends } from './running';

export { BackendPanel } from './panel';
export { WorkbenchModel } from './model';
export { RunningBackends } from './running';
export { LogView } from './log';
export { framingBlockedBy } from './framing';
export * from './labels';
export * from './icons';

/**
 * Command ids of the Workbench.
 */
export namespace CommandIDs {
  /** Open a backend (args: `name`, optional `openIn`). */
  export const open = 'workbench:open';
  /** Restart a backend (args: `name`). */
  export const restart = 'workbench:restart';
  /** Stop a backend (args: `name`). */
  export const stop = 'workbench:stop';
  /** Show a backend's log (args: `name`). */
  export const logs = 'workbench:logs';
}

/**
 * Id of the launcher plugin (also the settings id).
 */
const PLUGIN_ID = '@jupyter-workbench/launcher:plugin';

/**
 * The Workbench plugin: catalogue, launcher tiles, commands, palette and restoration.
 */
const plugin: JupyterFrontEndPlugin<IWorkbench> = {
  id: PLUGIN_ID,
  description:
    'Workbench launcher tiles (desktop, VS Code, RStudio) with live state, and their commands.',
  autoStart: true,
  provides: IWorkbench,
  requires: [ITranslator],
  optional: [
    ILauncher,
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    IDefaultFileBrowser,
    IRunningSessionManagers
  ],
  activate
};

/**
 * Activate the Workbench plugin.
 */
function activate(
  app: JupyterFrontEnd,
  translator: ITranslator,
  launcher: ILauncher | null,
  palette: ICommandPalette | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  fileBrowser: IDefaultFileBrowser | null,
  runningManagers: IRunningSessionManagers | null
): IWorkbench {
  const trans = translator.load('jupyter-workbench');
  const { commands, shell } = app;
  const category = trans.__('Workbench');
  const tracker = new WidgetTracker<MainAreaWidget<BackendPanel>>({
    namespace: 'workbench'
  });

  const webOpener: IWorkbench.IOpener = {
    open: async (backend, options) => {
      const openIn = openInFor(backend, options, model.settings, !!launcher);
      if (!launcher) {
        await Private.openStandalone(model, backend, trans);
        return null;
      }
      const existing = tracker.find(
        w => w.content.backend.name === backend.name
      );
      if (existing && openIn === 'tab') {
        shell.activateById(existing.id);
        if (existing.content.phase !== 'running') {
          void existing.content.launch();
        }
        return existing;
      }
      // A browser tab must be opened during the click, before anything is awaited.
      const popup =
        openIn === 'window' ? window.open('about:blank', '_blank') : null;
      const content = new BackendPanel({
        backend,
        workbench: model,
        openIn,
        popup,
        translator
      });
      const widget = new MainAreaWidget({ content });
      widget.id = content.id;
      widget.title.label = backend.title;
      widget.title.icon = iconFor(backend.name, backend.icon);
      widget.addClass('jp-WorkbenchPanel-host');
      Private.addToolbar(widget, commands, trans);
      void tracker.add(widget);
      shell.add(widget, 'main');
      shell.activateById(widget.id);
      void content.launch();
      return widget;
    }
  };

  const model = new WorkbenchModel({
    client: new WorkbenchClient(app.serviceManager.serverSettings),
    defaultOpener: webOpener
  });

  const nameOf = (args: Record<string, unknown>): string => {
    if (typeof args.name === 'string' && args.name) {
      return args.name;
    }
    return Private.nameFromContextMenu(app) ?? '';
  };
  const titleOf = (name: string): string => model.find(name)?.title ?? name;

  commands.addCommand(CommandIDs.open, {
    label: args => {
      const name = nameOf(args);
      if (args.isPalette) {
        return trans.__('Open %1', titleOf(name));
      }
      const backend = model.find(name);
      return backend ? tileLabel(backend, trans) : titleOf(name);
    },
    caption: args => {
      const backend = model.find(nameOf(args));
      return backend ? tileCaption(backend, trans) : '';
    },
    icon: args => {
      const backend = model.find(nameOf(args));
      if (args.isPalette || !backend) {
        return undefined;
      }
      const state = backend.available ? backend.state : 'unavailable';
      return tileIconFor(backend.name, backend.icon, state);
    },
    describedBy: {
      args: {
        type: 'object',
        properties: {
          name: { type: 'string', description: trans.__('Backend name') },
          openIn: { type: 'string', enum: ['tab', 'window'] }
        }
      }
    },
    execute: async args => {
      const name = nameOf(args);
      await model.ready;
      const backend = model.find(name);
      if (!backend) {
        await showDialog({
          title: trans.__('Unknown Workbench backend'),
          body: trans.__(
            'No backend named "%1" is configured on this server.',
            name
          ),
          buttons: [Dialog.okButton()]
        });
        return null;
      }
      if (!backend.available) {
        await Private.explainUnavailable(backend, trans);
        return null;
      }
      const openIn =
        args.openIn === 'window' || args.openIn === 'tab'
          ? args.openIn
          : undefined;
      return model.openWidget(name, { openIn });
    }
  });

  commands.addCommand(CommandIDs.restart, {
    label: args =>
      args.isPalette
        ? trans.__('Restart %1', titleOf(nameOf(args)))
        : trans.__('Restart'),
    icon: args => (args.isPalette ? undefined : refreshIcon),
    isEnabled: args => !!model.find(nameOf(args))?.available,
    execute: async args => {
      const name = nameOf(args);
      // The open views and the tile follow the restart (IWorkbench.lifecycle).
      await Private.withNotification(
        model.restart(name),
        trans.__('Restarting %1…', titleOf(name)),
        result =>
          result.state === 'running'
            ? [trans.__('%1 restarted.', titleOf(name)), 'success']
            : [
                trans.__(
                  '%1 failed to restart: %2',
                  titleOf(name),
                  String(result.error)
                ),
                'error'
              ]
      );
    }
  });

  commands.addCommand(CommandIDs.stop, {
    label: args =>
      args.isPalette
        ? trans.__('Stop %1', titleOf(nameOf(args)))
        : trans.__('Stop'),
    icon: args => (args.isPalette ? undefined : stopIcon),
    isEnabled: args => {
      const state = model.find(nameOf(args))?.state;
      return state === 'running' || state === 'starting' || state === 'failed';
    },
    execute: async args => {
      const name = nameOf(args);
      if (!args.confirmed && !(await Private.confirmStop(model, name, trans))) {
        return;
      }
      // The open views learn first that the user stopped it (IWorkbench.lifecycle).
      await model.stop(name);
      Notification.info(trans.__('%1 stopped.', titleOf(name)), {
        autoClose: 3000
      });
    }
  });

  commands.addCommand(CommandIDs.logs, {
    label: args =>
      args.isPalette
        ? trans.__('Show %1 Log', titleOf(nameOf(args)))
        : trans.__('Show Log'),
    execute: async args => {
      const name = nameOf(args);
      const body = new LogView({
        name,
        client: model.client,
        translator
      });
      await body.ready;
      await showDialog({
        title: trans.__('%1 log', titleOf(name)),
        body,
        buttons: [Dialog.okButton({ label: trans.__('Close') })]
      });
      body.dispose();
    }
  });

  const tileSelector = '.jp-LauncherCard:has([data-workbench-tile])';
  app.contextMenu.addItem({
    command: CommandIDs.open,
    selector: tileSelector,
    rank: 0
  });
  app.contextMenu.addItem({
    command: CommandIDs.restart,
    selector: tileSelector,
    rank: 1
  });
  app.contextMenu.addItem({
    command: CommandIDs.stop,
    selector: tileSelector,
    rank: 2
  });
  app.contextMenu.addItem({
    command: CommandIDs.logs,
    selector: tileSelector,
    rank: 3
  });

  if (restorer) {
    void restorer.restore(tracker, {
      command: CommandIDs.open,
      args: widget => ({ name: widget.content.backend.name }),
      name: widget => widget.content.backend.name
    });
  }

  // Launcher tiles, palette items and Notebook 7 "New" entries follow the catalogue.
  let next = new DisposableSet();
  const populate = () => {
    next.dispose();
    next = new DisposableSet();
    model.backends.forEach((backend, rank) => {
      if (launcher) {
        next.add(
          launcher.add({
            command: CommandIDs.open,
            args: { name: backend.name },
            category,
            categoryRank: 10,
            rank
          })
        );
      }
      if (palette) {
        for (const command of [
          CommandIDs.open,
          CommandIDs.restart,
          CommandIDs.stop,
          CommandIDs.logs
        ]) {
          next.add(
            palette.addItem({
              command,
              args: { name: backend.name, isPalette: true },
              category
            })
          );
        }
      }
    });
    if (!launcher && fileBrowser) {
      Private.addToNewMenu(fileBrowser, model.backends, next);
    }
  };
  let shown = '';
  model.changed.connect(() => {
    // Re-add the tiles when a label or state changed, so the launcher re-renders.
    const signature = JSON.stringify(
      model.backends.map(b => [b.name, b.title, b.state, b.available, b.icon])
    );
    if (signature !== shown) {
      shown = signature;
      populate();
      commands.notifyCommandChanged(CommandIDs.open);
    }
  });

  // Start on intent (opt-in per backend in the settings): a pointer resting on a tile,
  // or keyboard focus on it, starts the backend so that it is ready sooner when clicked.
  const intents = new IntentStarter({
    start: name => model.client.startOnIntent(name),
    enabled: name => {
      const backend = model.find(name);
      return (
        !!backend &&
        backend.available &&
        (backend.state === 'stopped' || backend.state === 'failed') &&
        model.settings.startOnIntent.includes(name)
      );
    },
    tileSelector: '.jp-LauncherCard',
    backendOf: Private.backendOfTile,
    started: (name, answer) => model.updateState(name, answer.state),
    delay: model.settings.intentDelay
  });
  intents.attach(document);

  if (runningManagers) {
    const running = new RunningBackends({
      workbench: model,
      trans,
      icon: backend => iconFor(backend.name, backend.icon),
      open: name => commands.execute(CommandIDs.open, { name }),
      stop: name => commands.execute(CommandIDs.stop, { name })
    });
    runningManagers.add(running);
  }

  if (settingRegistry) {
    void settingRegistry
      .load(PLUGIN_ID)
      .then(loaded => {
        // The catalogue poll, the start views and start on intent follow the settings.
        const update = () => {
          model.configure(
            loaded.composite as unknown as Partial<ILauncherSettings>
          );
          intents.delay = model.settings.intentDelay;
        };
        update();
        loaded.changed.connect(update);
      })
      .catch(reason =>
        console.error('Failed to load Workbench settings', reason)
      );
  }

  return model;
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * Explain why a tile is disabled and what to install.
   */
  export async function explainUnavailable(
    backend: IBackendInfo,
    trans: TranslationBundle
  ): Promise<void> {
    const body = document.createElement('div');
    body.className = 'jp-WorkbenchUnavailable';
    const reason = document.createElement('p');
    reason.className = 'jp-WorkbenchUnavailable-reason';
    reason.textContent =
      backend.reason ?? trans.__('It was not found on this server.');
    body.appendChild(reason);
    if (backend.install_hint) {
      const hint = document.createElement('p');
      hint.className = 'jp-WorkbenchUnavailable-hint';
      hint.append(
        trans.__('To install it: '),
        ...linkify(backend.install_hint)
      );
      body.appendChild(hint);
      const hub = document.createElement('p');
      hub.className = 'jp-WorkbenchUnavailable-hub';
      hub.textContent = trans.__(
        'On JupyterHub, an administrator installs it in the user image; ask yours.'
      );
      body.appendChild(hub);
    }
    await showDialog({
      title: trans.__('%1 is not available', backend.title),
      body: new Widget({ node: body }),
      buttons: [Dialog.okButton()]
    });
  }

  /**
   * Text with its http(s) URLs as links (opening in a new browser tab).
   */
  export function linkify(text: string): Node[] {
    const nodes: Node[] = [];
    let last = 0;
    for (const match of text.matchAll(
      /https?:\/\/[^\s<>"')]+[^\s<>"').,;:]/g
    )) {
      const start = match.index ?? 0;
      nodes.push(document.createTextNode(text.slice(last, start)));
      const link = document.createElement('a');
      link.href = match[0];
      link.textContent = match[0];
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      nodes.push(link);
      last = start + match[0].length;
    }
    nodes.push(document.createTextNode(text.slice(last)));
    return nodes;
  }

  /**
   * Ask before stopping a desktop that has application windows open (stopping closes
   * them); `true` to go on.
   */
  export async function confirmStop(
    model: WorkbenchModel,
    name: string,
    trans: TranslationBundle
  ): Promise<boolean> {
    const backend = model.find(name);
    if (backend?.kind !== 'desktop') {
      return true;
    }
    // The catalogue's state may lag: the windows route answers 409 when not running.
    let count: number | null = null;
    let titles: string[] = [];
    try {
      const windows = await model.client.desktopWindows(name);
      count = windows.count;
      titles = windows.titles;
    } catch {
      return true; // Not running any more: nothing to lose.
    }
    if (!count) {
      return true;
    }
    const body = document.createElement('div');
    const text = document.createElement('p');
    text.textContent = trans._n(
      '%2 has %1 open window. Stopping it closes it, and unsaved work in it is lost.',
      '%2 has %1 open windows. Stopping it closes them, and unsaved work in them is lost.',
      count,
      backend.title
    );
    body.appendChild(text);
    if (titles.length) {
      const list = document.createElement('ul');
      list.className = 'jp-WorkbenchStopWindows';
      for (const title of titles.slice(0, 10)) {
        const item = document.createElement('li');
        item.textContent = title || trans.__('(untitled window)');
        list.appendChild(item);
      }
      body.appendChild(list);
    }
    const result = await showDialog({
      title: trans.__('Stop %1?', backend.title),
      body: new Widget({ node: body }),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Stop') })
      ]
    });
    return result.button.accept;
  }

  /**
   * Notebook 7 (no launcher): start with a notification, then open a browser tab.
   */
  export async function openStandalone(
    model: WorkbenchModel,
    backend: IBackendInfo,
    trans: TranslationBundle
  ): Promise<void> {
    const popup = window.open('about:blank', '_blank');
    try {
      const status = await withNotification(
        model.client.start(backend.name),
        trans.__('Starting %1…', backend.title),
        result =>
          result.state === 'running'
            ? [trans.__('%1 is running.', backend.title), 'success']
            : [
                trans.__(
                  '%1 could not be started: %2',
                  backend.title,
                  String(result.error)
                ),
                'error'
              ]
      );
      if (status.state !== 'running') {
        popup?.close();
        return;
      }
      const url = new URL(backend.url, window.location.href).href;
      if (popup) {
        popup.location.href = url;
      } else {
        window.open(url, '_blank');
      }
    } catch {
      popup?.close();
    }
  }

  /**
   * Show an in-progress notification while `promise` runs, then its outcome.
   */
  export async function withNotification<T>(
    promise: Promise<T>,
    pending: string,
    outcome: (result: T) => [string, 'success' | 'error']
  ): Promise<T> {
    const id = Notification.emit(pending, 'in-progress', { autoClose: false });
    try {
      const result = await promise;
      const [message, type] = outcome(result);
      Notification.update({
        id,
        message,
        type,
        autoClose: type === 'success' ? 4000 : false
      });
      return result;
    } catch (error) {
      Notification.update({
        id,
        message: String((error as Error).message ?? error),
        type: 'error',
        autoClose: false
      });
      throw error;
    }
  }

  /**
   * Toolbar of a backend's main-area widget.
   */
  export function addToolbar(
    widget: MainAreaWidget<BackendPanel>,
    commands: JupyterFrontEnd['commands'],
    trans: TranslationBundle
  ): void {
    const name = widget.content.backend.name;
    widget.toolbar.addItem(
      'reload',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Reload the page'),
        onClick: () => widget.content.reload()
      })
    );
    widget.toolbar.addItem(
      'open-in-browser-tab',
      new ToolbarButton({
        icon: launchIcon,
        tooltip: trans.__('Open in a new browser tab'),
        onClick: () => widget.content.openInBrowserTab()
      })
    );
    widget.toolbar.addItem(
      'restart',
      new ToolbarButton({
        label: trans.__('Restart'),
        tooltip: trans.__('Restart %1', widget.content.backend.title),
        onClick: () => void commands.execute(CommandIDs.restart, { name })
      })
    );
    widget.toolbar.addItem(
      'stop',
      new ToolbarButton({
        label: trans.__('Stop'),
        tooltip: trans.__('Stop %1', widget.content.backend.title),
        onClick: () => void commands.execute(CommandIDs.stop, { name })
      })
    );
    widget.toolbar.addItem(
      'logs',
      new ToolbarButton({
        label: trans.__('Log'),
        tooltip: trans.__('Show the log of %1', widget.content.backend.title),
        onClick: () => void commands.execute(CommandIDs.logs, { name })
      })
    );
  }

  /**
   * The backend name of the launcher tile under the context menu.
   */
  export function nameFromContextMenu(app: JupyterFrontEnd): string | null {
    const card = app.contextMenuHitTest(node =>
      node.classList.contains('jp-LauncherCard')
    );
    return card ? backendOfTile(card) : null;
  }

  /**
   * The backend name of a launcher tile; null for a tile that is not the Workbench's.
   */
  export function backendOfTile(card: Element): string | null {
    const icon = card.querySelector('[data-workbench-tile]');
    return icon?.getAttribute('data-workbench-tile') ?? null;
  }

  /**
   * Notebook 7: add the backends to the file browser's "New" drop-down menu.
   */
  export function addToNewMenu(
    browser: IDefaultFileBrowser,
    backends: ReadonlyArray<IBackendInfo>,
    disposables: DisposableSet
  ): void {
    const toolbar = browser.toolbar;
    const names = Array.from(toolbar.names());
    const widgets = (toolbar.layout as PanelLayout).widgets;
    const index = names.indexOf('new-dropdown');
    const menubar = index >= 0 ? widgets[index] : null;
    if (!(menubar instanceof MenuBar) || !menubar.menus.length) {
      return;
    }
    const menu: Menu = menubar.menus[0];
    const separator = menu.addItem({ type: 'separator' });
    disposables.add({
      dispose: () => menu.removeItem(separator),
      isDisposed: false
    });
    for (const backend of backends) {
      const item = menu.addItem({
        command: CommandIDs.open,
        args: { name: backend.name, isPalette: false }
      });
      disposables.add({
        dispose: () => menu.removeItem(item),
        isDisposed: false
      });
    }
  }
}

export default plugin;
