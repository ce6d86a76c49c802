import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { Button, VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import { desktopExtras } from '../api';
import { StartModel } from './startmodel';

/**
 * CSS class of the start view.
 */
const VIEW_CLASS = 'jp-WorkbenchStart';

/**
 * The start screen of a backend, shared by the launcher's web-app panel and the
 * desktop viewer: progress while it starts, the failure with its log tail and Retry,
 * the stopped backend with Start, or a notice of the host.
 */
export class StartView extends VDomRenderer<StartModel> {
  /**
   * Create a view of `options.model`.
   */
  constructor(options: StartView.IOptions) {
    super(options.model);
    this.addClass(VIEW_CLASS);
    this._trans = (options.translator ?? nullTranslator).load(
      'jupyter-workbench'
    );
  }

  /**
   * Render the model.
   */
  protected render(): React.ReactElement | null {
    const model = this.model;
    this.node.dataset.phase = model.phase;
    return <StartComponent model={model} trans={this._trans} />;
  }

  private _trans: TranslationBundle;
}

/**
 * The start view's types.
 */
export namespace StartView {
  /**
   * Options of the view.
   */
  export interface IOptions {
    /** The model shown. */
    model: StartModel;
    /** The translator of the labels. */
    translator?: ITranslator;
  }
}

/**
 * Properties of {@link StartComponent}.
 */
export interface IStartComponentProps {
  /** The model shown. */
  model: StartModel;
  /** The labels' translations. */
  trans: TranslationBundle;
}

/**
 * The start screen of {@link StartView} (renders nothing while the backend runs).
 */
export function StartComponent(
  props: IStartComponentProps
): React.ReactElement | null {
  const { model, trans } = props;
  const status = model.status;
  const title = model.title;
  let heading: string;
  let message: string;
  let action: StartModel.IAction | null = null;
  let progress: React.ReactElement | null = null;
  switch (model.phase) {
    case 'starting': {
      heading = model.restarting
        ? trans.__('Restarting %1…', title)
        : model.reconnecting
          ? trans.__('Reconnecting to %1…', title)
          : trans.__('Starting %1…', title);
      if (status?.elapsed !== null && status?.elapsed !== undefined) {
        const timeout = status.timeout;
        message = trans.__(
          '%1 s elapsed (gives up after %2 s)',
          status.elapsed.toFixed(1),
          timeout.toFixed(0)
        );
        progress = (
          <progress
            className="jp-WorkbenchStart-progress"
            aria-label={heading}
            max={timeout}
            value={Math.min(status.elapsed, timeout)}
          />
        );
      } else {
        message = trans.__('Waiting for the server…');
        progress = (
          <progress
            className="jp-WorkbenchStart-progress"
            aria-label={heading}
          />
        );
      }
      break;
    }
    case 'failed': {
      heading = trans.__('%1 could not be started', title);
      // The user's language first; the server's words go to the folded details.
      const gpuRequired =
        status !== null && desktopExtras(status)?.gpu_policy === 'require';
      message = gpuRequired
        ? trans.__(
            '%1 needs a graphics card (GPU) for 3D, and none can be used on this server now. Use an ordinary desktop, or ask your administrator.',
            title
          )
        : trans.__(
            'Something went wrong while starting it. Try again; if it keeps failing, the details below help your administrator.'
          );
      const restartIn = status?.next_restart_in;
      if (restartIn !== null && restartIn !== undefined) {
        message +=
          ' ' +
          trans.__('Restarting automatically in %1 s.', restartIn.toFixed(0));
      }
      action = { label: trans.__('Retry'), run: () => model.retry() };
      break;
    }
    case 'stopped':
      heading = trans.__('%1 is stopped', title);
      message = trans.__('Start it again to continue where your files are.');
      action = { label: trans.__('Start'), run: () => model.retry() };
      break;
    case 'notice': {
      const notice = model.notice!;
      heading = notice.heading;
      message = notice.message;
      action = notice.action ?? null;
      break;
    }
    default:
      return null;
  }
  const isError =
    model.phase === 'failed' ||
    (model.phase === 'notice' && model.notice?.severity === 'error');
  const lines = status?.log_tail ?? [];
  const error = model.phase === 'failed' ? model.error || '' : '';
  // The error once: not again when the log's last lines already say it.
  const errorShown = error && !lines.some(line => line.includes(error));
  const details = model.phase === 'failed' && (errorShown || lines.length > 0);
  return (
    <div
      className="jp-WorkbenchStart-body"
      data-stopped-by={model.stoppedBy ?? undefined}
    >
      <h2
        className={
          'jp-WorkbenchStart-heading' + (isError ? ' jp-mod-error' : '')
        }
      >
        {heading}
      </h2>
      <p className="jp-WorkbenchStart-message">{message}</p>
      {progress}
      {action && (
        <div className="jp-WorkbenchStart-buttons">
          <Button className="jp-mod-styled jp-mod-accept" onClick={action.run}>
            {action.label}
          </Button>
        </div>
      )}
      {details ? (
        <details className="jp-WorkbenchStart-details">
          <summary>{trans.__('Details for your administrator')}</summary>
          {errorShown && <p className="jp-WorkbenchStart-error">{error}</p>}
          {lines.length > 0 && (
            <LogTail label={trans.__('Last log lines')} lines={lines} />
          )}
        </details>
      ) : (
        lines.length > 0 && (
          <LogTail label={trans.__('Last log lines')} lines={lines} />
        )
      )}
    </div>
  );
}

/**
 * The last log lines, scrolled to the end.
 */
function LogTail(props: {
  label: string;
  lines: ReadonlyArray<string>;
}): React.ReactElement {
  const ref = React.useRef<HTMLPreElement>(null);
  const text = props.lines.join('\n');
  React.useEffect(() => {
    if (ref.current) {
      ref.current.scrollTop = ref.current.scrollHeight;
    }
  }, [text]);
  return (
    <>
      <div className="jp-WorkbenchStart-logLabel">{props.label}</div>
      <pre
        className="jp-WorkbenchStart-log jp-WorkbenchLogText"
        ref={ref}
        role="log"
        aria-label={props.label}
        // Scrollable: keyboard users scroll it once it has focus.
        tabIndex={0}
      >
        {text}
      </pre>
    </>
  );
}
