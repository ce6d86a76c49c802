/**
 * @packageDocumentation
 * @module desktop
 */

import { IBackendInfo, IWorkbench } from '@jupyter-workbench/services';
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  MainAreaWidget,
  Notification,
  showDialog,
  ToolbarButton,
  WidgetTracker
} from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';
import { LabIcon, refreshIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { ClipboardPanel } from './clipboard';
import { keyChords } from './logic';
import { DesktopViewer, IViewerSettings } from './viewer';

export { ClipboardPanel } from './clipboard';
export { DesktopViewer } from './viewer';
export * from './logic';

/**
 * Command ids of the desktop viewer.
 */
export namespace CommandIDs {
  /** Open a desktop (args: `name`); used to restore tabs after a reload. */
  export const open = 'workbench-desktop:open';
}

/**
 * Id of the plugin (also the settings id).
 */
const PLUGIN_ID = '@jupyter-workbench/desktop:plugin';

const DEFAULTS: IViewerSettings = {
  scaling: 'remote',
  hidpi: true,
  quality: 6,
  compression: 2,
  viewOnly: false,
  reconnect: true
};

/**
 * The desktop plugin: opens `kind: "desktop"` backends in a noVNC viewer tab.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Remote desktops (noVNC, loaded lazily) in JupyterLab tabs.',
  autoStart: true,
  requires: [IWorkbench, ITranslator],
  optional: [ILayoutRestorer, ISettingRegistry],
  activate
};

/**
 * Activate the desktop plugin.
 */
function activate(
  app: JupyterFrontEnd,
  workbench: IWorkbench,
  translator: ITranslator,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null
): void {
  const trans = translator.load('jupyter-workbench');
  const settings: IViewerSettings = { ...DEFAULTS };
  const tracker = new WidgetTracker<MainAreaWidget<DesktopViewer>>({
    namespace: 'workbench-desktop'
  });

  const open = async (backend: IBackendInfo): Promise<Widget> => {
    const existing = tracker.find(w => w.content.backend.name === backend.name);
    if (existing) {
      app.shell.activateById(existing.id);
      if (
        existing.content.state === 'disconnected' ||
        existing.content.state === 'stopped' ||
        existing.content.state === 'failed'
      ) {
        void existing.content.connect();
      }
      return existing;
    }
    const content = new DesktopViewer({
      backend,
      client: workbench.client,
      settings,
      translator,
      progressInterval: () => workbench.progressInterval,
      lifecycle: workbench.lifecycle
    });
    const widget = new MainAreaWidget({ content });
    widget.id = `workbench-desktop-${backend.name}`;
    widget.title.label = backend.title;
    widget.title.closable = true;
    widget.title.icon = Private.desktopIcon(backend);
    widget.addClass('jp-WorkbenchDesktop-host');
    Private.addToolbar(widget, translator);
    void tracker.add(widget);
    app.shell.add(widget, 'main');
    app.shell.activateById(widget.id);
    void content.connect();
    return widget;
  };

  // Jupyter Notebook 7: its pages hold one document and have no dock, so a desktop
  // opens on a page of its own (served by the server extension) in a browser tab.
  const notebookPage = PageConfig.getOption('notebookPage');
  const pageDesktop = PageConfig.getOption('workbenchDesktop');
  const inOwnPage = notebookPage === Private.DESKTOP_PAGE;
  workbench.registerOpener('desktop', {
    open: backend =>
      notebookPage && !inOwnPage
        ? Promise.resolve(Private.openPage(backend, trans))
        : open(backend)
  });
  if (inOwnPage && pageDesktop) {
    void app.started
      .then(() => workbench.ready)
      .then(() => {
        const backend = workbench.find(pageDesktop);
        if (!backend) {
          Notification.error(
            trans.__('No desktop named "%1" is configured.', pageDesktop)
          );
          return;
        }
        document.title = backend.title;
        return open(backend);
      })
      .catch(reason => console.error('Failed to open the desktop', reason));
  }

  app.commands.addCommand(CommandIDs.open, {
    label: args => trans.__('Open Desktop %1', String(args.name ?? '')),
    execute: async args => {
      await workbench.ready;
      const backend = workbench.find(String(args.name));
      return backend ? open(backend) : null;
    }
  });

  if (restorer) {
    void restorer.restore(tracker, {
      command: CommandIDs.open,
      args: widget => ({ name: widget.content.backend.name }),
      name: widget => widget.content.backend.name
    });
  }

  if (settingRegistry) {
    void settingRegistry
      .load(PLUGIN_ID)
      .then(loaded => {
        const update = () => {
          Object.assign(
            settings,
            loaded.composite as unknown as IViewerSettings
          );
          tracker.forEach(widget => widget.content.updateSettings(settings));
        };
        update();
        loaded.changed.connect(update);
      })
      .catch(reason =>
        console.error('Failed to load desktop settings', reason)
      );
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  const icons = new Map<string, LabIcon>();

  /**
   * The `notebookPage` of the desktop's own Notebook 7 page.
   */
  export const DESKTOP_PAGE = 'workbench-desktop';

  /**
   * Notebook 7: open the desktop's own page in a browser tab, and say so (or say that
   * the browser blocked it, with a button that opens it).
   */
  export function openPage(
    backend: IBackendInfo,
    trans: ReturnType<ITranslator['load']>
  ): null {
    const url = URLExt.join(
      PageConfig.getBaseUrl(),
      'workbench',
      'desktops',
      encodeURIComponent(backend.name),
      'view'
    );
    const opened = window.open(url, '_blank');
    if (opened) {
      Notification.success(
        trans.__('%1 opened in a new browser tab.', backend.title),
        { autoClose: 4000 }
      );
    } else {
      Notification.warning(
        trans.__('Your browser blocked the new tab of %1.', backend.title),
        {
          autoClose: false,
          actions: [
            {
              label: trans.__('Open %1', backend.title),
              callback: () => window.open(url, '_blank')
            }
          ]
        }
      );
    }
    return null;
  }

  /**
   * The tab icon of a desktop.
   */
  export function desktopIcon(backend: IBackendInfo): LabIcon | undefined {
    const builtin = LabIcon.resolve({
      icon:
        backend.icon === 'desktop-3d'
          ? 'workbench:desktop-3d'
          : 'workbench:desktop'
    } as any);
    if (!backend.icon.trim().startsWith('<svg')) {
      return builtin;
    }
    let icon = icons.get(backend.name);
    if (!icon) {
      icon = new LabIcon({
        name: `workbench:desktop-${backend.name}`,
        svgstr: backend.icon
      });
      icons.set(backend.name, icon);
    }
    return icon;
  }

  /**
   * A toolbar item made of a DOM element.
   */
  function item(node: HTMLElement, className: string): Widget {
    const widget = new Widget({ node });
    widget.addClass(className);
    widget.addClass('jp-WorkbenchDesktop-toolbarItem');
    return widget;
  }

  /**
   * A `<select>` toolbar item.
   */
  function select(
    label: string,
    options: Array<[string, string]>,
    value: string,
    onChange: (value: string) => void
  ): HTMLSelectElement {
    const element = document.createElement('select');
    element.title = label;
    element.setAttribute('aria-label', label);
    for (const [optionValue, text] of options) {
      const option = document.createElement('option');
      option.value = optionValue;
      option.textContent = text;
      element.appendChild(option);
    }
    element.value = value;
    element.addEventListener('change', () => onChange(element.value));
    return element;
  }

  /**
   * The viewer's toolbar.
   */
  export function addToolbar(
    widget: MainAreaWidget<DesktopViewer>,
    translator: ITranslator
  ): void {
    const trans = translator.load('jupyter-workbench');
    const viewer = widget.content;
    const toolbar = widget.toolbar;

    const state = document.createElement('span');
    state.className = 'jp-WorkbenchDesktop-state';
    toolbar.addItem('state', item(state, 'jp-WorkbenchDesktop-stateItem'));
    const badge = document.createElement('span');
    badge.className = 'jp-WorkbenchDesktop-renderer';
    toolbar.addItem(
      'renderer',
      item(badge, 'jp-WorkbenchDesktop-rendererItem')
    );

    toolbar.addItem(
      'reconnect',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Reconnect'),
        onClick: () => viewer.reconnect()
      })
    );
    toolbar.addItem(
      'fullscreen',
      new ToolbarButton({
        label: trans.__('Full screen'),
        tooltip: trans.__('Show the desktop full screen'),
        onClick: () => void viewer.fullscreen()
      })
    );
    toolbar.addItem(
      'ctrl-alt-del',
      new ToolbarButton({
        label: trans.__('Ctrl-Alt-Del'),
        tooltip: trans.__('Send Ctrl-Alt-Del'),
        onClick: () => viewer.sendCtrlAltDel()
      })
    );
    const chords = keyChords();
    const keys = select(
      trans.__('Send keys'),
      [
        ['', trans.__('Keys…')],
        ...Object.keys(chords).map(k => [k, k] as [string, string])
      ],
      '',
      value => {
        if (value && chords[value]) {
          viewer.sendChord(chords[value]);
        }
        keys.value = '';
      }
    );
    toolbar.addItem('keys', item(keys, 'jp-WorkbenchDesktop-keys'));
    toolbar.addItem(
      'clipboard',
      new ToolbarButton({
        label: trans.__('Clipboard'),
        tooltip: trans.__('Exchange text with the desktop clipboard'),
        onClick: () => void showClipboard(viewer, translator)
      })
    );

    const scaling = select(
      trans.__('Scaling'),
      [
        ['remote', trans.__('Resize desktop')],
        ['fit', trans.__('Scale to fit')],
        ['none', trans.__('No scaling')]
      ],
      viewer.settings.scaling,
      value =>
        viewer.updateSettings({ scaling: value as IViewerSettings['scaling'] })
    );
    toolbar.addItem('scaling', item(scaling, 'jp-WorkbenchDesktop-scaling'));

    const levels: Array<[string, string]> = Array.from(
      { length: 10 },
      (_, n) => [String(n), String(n)]
    );
    const quality = select(
      trans.__('Picture quality (0–9)'),
      levels.map(([v]) => [v, trans.__('Quality %1', v)]),
      String(viewer.settings.quality),
      value => viewer.updateSettings({ quality: Number(value) })
    );
    toolbar.addItem('quality', item(quality, 'jp-WorkbenchDesktop-quality'));
    const compression = select(
      trans.__('Compression level (0–9)'),
      levels.map(([v]) => [v, trans.__('Compression %1', v)]),
      String(viewer.settings.compression),
      value => viewer.updateSettings({ compression: Number(value) })
    );
    toolbar.addItem(
      'compression',
      item(compression, 'jp-WorkbenchDesktop-compression')
    );

    const viewOnlyLabel = document.createElement('label');
    const viewOnly = document.createElement('input');
    viewOnly.type = 'checkbox';
    viewOnly.checked = viewer.settings.viewOnly;
    viewOnly.addEventListener('change', () =>
      viewer.updateSettings({ viewOnly: viewOnly.checked })
    );
    viewOnlyLabel.append(
      viewOnly,
      document.createTextNode(' ' + trans.__('View only'))
    );
    toolbar.addItem(
      'view-only',
      item(viewOnlyLabel, 'jp-WorkbenchDesktop-viewOnly')
    );

    const labels: Record<string, string> = {
      starting: trans.__('Starting…'),
      connecting: trans.__('Connecting…'),
      connected: trans.__('Connected'),
      reconnecting: trans.__('Reconnecting…'),
      restarting: trans.__('Restarting…'),
      stopped: trans.__('Stopped'),
      disconnected: trans.__('Disconnected'),
      failed: trans.__('Failed')
    };
    const update = () => {
      state.textContent = labels[viewer.state] ?? viewer.state;
      state.dataset.state = viewer.state;
      badge.textContent = viewer.renderer ?? '';
      badge.hidden = !viewer.renderer;
      const report = viewer.rendererReport;
      badge.dataset.accelerated = String(!!report?.accelerated);
      badge.title = report
        ? [
            trans.__(
              'OpenGL renderer: %1 (mode: %2)',
              String(report.renderer ?? trans.__('unknown')),
              String(report.mode)
            ),
            report.error ?? '',
            ...(report.warnings ?? [])
          ]
            .filter(line => line)
            .join('\n')
        : '';
      scaling.value = viewer.settings.scaling;
      quality.value = String(viewer.settings.quality);
      compression.value = String(viewer.settings.compression);
      viewOnly.checked = viewer.settings.viewOnly;
    };
    viewer.changed.connect(update);
    update();
  }

  /**
   * The clipboard panel: shows the desktop's clipboard and sends text to it.
   */
  async function showClipboard(
    viewer: DesktopViewer,
    translator: ITranslator
  ): Promise<void> {
    const trans = translator.load('jupyter-workbench');
    const result = await showDialog({
      title: trans.__('Desktop clipboard'),
      body: new ClipboardPanel({ source: viewer, translator }),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Close') }),
        Dialog.okButton({ label: trans.__('Send to desktop') })
      ]
    });
    if (result.button.accept && result.value !== null) {
      viewer.pasteToRemote(result.value);
    }
  }
}

export default plugin;
