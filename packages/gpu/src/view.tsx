/**
 * The GPU panel's React components: the panel view, one card per GPU and its parts, the
 * replay label, the empty state and the checks. They render a `GpuModel` and hold no
 * state of their own (the charts keep their uPlot instance, see ./chart).
 */

import type {
  GpuHistoryWindow,
  IGpu,
  IGpuSnapshot
} from '@jupyter-workbench/services';
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import { GpuChart } from './chart';
import { gpuDetails } from './details';
import {
  CHART_METRICS,
  checkLines,
  formatMemory,
  formatValue,
  gpuFacts,
  gpuTitle,
  IGpuSeries,
  IShownValue,
  ITrans,
  processRows,
  sliceMemory,
  verdictLabel
} from './logic';
import { checksHeading } from './report';
import type { GpuCheckName, GpuModel } from './model';
import type { StreamState } from './stream';
import { ShownValue } from './value';

/**
 * Props of the components that only need translations.
 */
export interface ITransProps {
  /** Translations (a JupyterLab `TranslationBundle`). */
  trans: ITrans;
}

/**
 * The whole panel: replay label, header, stream state, notice, empty state, one card
 * per GPU, and the checks.
 */
export function GpuView(props: GpuView.IProps): JSX.Element {
  const { model, trans } = props;
  const onWindow =
    props.onWindow ?? ((window: GpuHistoryWindow) => (model.window = window));
  const snapshot = model.snapshot;
  const stalled =
    !!snapshot && (snapshot.stalled || snapshot.status === 'error');
  return (
    <>
      {snapshot?.source === 'replay' && (
        <ReplayLabel trans={trans} file={snapshot.replay_of} />
      )}
      <div className="jp-WorkbenchGpu-header">
        {snapshot
          ? trans.__(
              'Driver %1 · CUDA %2 · source: %3',
              snapshot.driver_version ?? 'N/A',
              snapshot.cuda_version ?? 'N/A',
              snapshot.source
            )
          : ''}
      </div>
      <div className="jp-WorkbenchGpu-toolbar">
        <div className="jp-WorkbenchGpu-streamState" role="status">
          {streamLabel(model.streamState, model.streamAttempts, trans)}
        </div>
        <WindowPicker value={model.window} onChange={onWindow} trans={trans} />
      </div>
      {stalled && snapshot.message && snapshot.gpus.length > 0 && (
        <div className="jp-WorkbenchGpu-notice" role="alert">
          {snapshot.message}
        </div>
      )}
      {snapshot && !snapshot.gpus.length && (
        <EmptyState snapshot={snapshot} trans={trans} />
      )}
      <div className="jp-WorkbenchGpu-cards">
        {snapshot
          ? snapshot.gpus.map(gpu => {
              const key = gpuKey(gpu);
              return (
                <GpuCard
                  key={key}
                  gpu={gpu}
                  source={snapshot.source}
                  series={model.series.get(key)}
                  theme={model.theme}
                  trans={trans}
                />
              );
            })
          : trans.__('Loading GPU status…')}
      </div>
      <GpuChecks model={model} trans={trans} />
    </>
  );
}

/**
 * The panel view's types.
 */
export namespace GpuView {
  /**
   * Props of the panel view.
   */
  export interface IProps extends ITransProps {
    /** The model rendered. */
    model: GpuModel;
    /**
     * Called when the user picks a history window (the plugin stores it in the
     * settings, which then update the panel); sets `model.window` when absent.
     */
    onWindow?: (window: GpuHistoryWindow) => void;
  }
}

/**
 * The charts' history window picker (1 h / 24 h), kept in sync with the setting.
 */
export function WindowPicker(
  props: ITransProps & {
    value: GpuHistoryWindow;
    onChange: (window: GpuHistoryWindow) => void;
  }
): JSX.Element {
  const { value, onChange, trans } = props;
  return (
    <label className="jp-WorkbenchGpu-window">
      <span>{trans.__('History')}</span>
      <select
        value={value}
        onChange={event =>
          onChange(event.currentTarget.value as GpuHistoryWindow)
        }
      >
        <option value="1h">{trans.__('1 hour')}</option>
        <option value="24h">{trans.__('24 hours')}</option>
      </select>
    </label>
  );
}

/**
 * The key of a GPU's card and series: its UUID, else its index.
 */
export function gpuKey(gpu: IGpu): string {
  return gpu.uuid ?? String(gpu.index);
}

/**
 * The text of a stream state.
 */
export function streamLabel(
  state: StreamState,
  attempts: number,
  trans: ITrans
): string {
  switch (state) {
    case 'open':
      return trans.__('Live');
    case 'connecting':
      return trans.__('Connecting…');
    case 'reconnecting':
      return trans.__('Connection lost, reconnecting (attempt %1)…', attempts);
    default:
      return trans.__('Paused');
  }
}

/**
 * The label of a replayed capture (`GPUMonitor.source = "replay"`), so a demo is never
 * mistaken for this machine's GPU.
 */
export function ReplayLabel(
  props: ITransProps & {
    /** The replayed capture's file name (the snapshot's `replay_of`). */
    file?: string;
  }
): JSX.Element {
  const { trans, file } = props;
  const about = trans.__(
    'The server replays a saved nvidia-smi capture (GPUMonitor.source = "replay"), for demos and tests.'
  );
  return (
    <div
      className="jp-WorkbenchGpu-replay"
      role="note"
      title={file ? `${about}\n${trans.__('Capture: %1', file)}` : about}
    >
      {trans.__("Replay of a saved capture — not this machine's GPU")}
    </div>
  );
}

/**
 * The empty state without a GPU: why, the server's message, and what it means.
 */
export function EmptyState(
  props: ITransProps & { snapshot: IGpuSnapshot }
): JSX.Element {
  const { snapshot, trans } = props;
  const title =
    snapshot.status === 'no-driver'
      ? trans.__('No NVIDIA driver')
      : snapshot.status === 'error'
        ? trans.__('GPU status unavailable')
        : trans.__('No GPU visible to this session');
  return (
    <div className="jp-WorkbenchGpu-empty">
      <h3 className="jp-WorkbenchGpu-emptyTitle">{title}</h3>
      <p className="jp-WorkbenchGpu-emptyMessage">{snapshot.message ?? ''}</p>
      <p className="jp-WorkbenchGpu-emptyHint">
        {trans.__(
          'Desktops and 3D apps use software rendering (llvmpipe). Ask your administrator for a GPU profile to get hardware acceleration.'
        )}
      </p>
    </div>
  );
}

/**
 * One GPU's card: title and health badge, facts, findings, metrics, MIG slices, charts
 * and processes.
 */
export function GpuCard(props: GpuCard.IProps): JSX.Element {
  const { gpu, series, trans } = props;
  const source = props.source ?? '';
  const title = gpuTitle(gpu);
  const verdict = gpu.health.verdict;
  return (
    <section
      className="jp-WorkbenchGpu-card"
      aria-label={title}
      data-verdict={verdict}
      data-uuid={gpu.uuid ?? ''}
    >
      <div className="jp-WorkbenchGpu-title">
        <span className="jp-WorkbenchGpu-name" title={gpu.name ?? ''}>
          {title}
        </span>
        <span className="jp-WorkbenchGpu-badge" data-verdict={verdict}>
          {verdictLabel(verdict, trans)}
        </span>
      </div>
      <div className="jp-WorkbenchGpu-facts">
        {gpuFacts(gpu, trans).map(fact => (
          <div
            key={fact.key}
            className="jp-WorkbenchGpu-fact"
            data-fact={fact.key}
          >
            <span>{fact.label}</span>
            <ShownValue value={fact.value} />
          </div>
        ))}
      </div>
      <ul className="jp-WorkbenchGpu-findings">
        {gpu.health.findings.map(finding => (
          <li
            key={finding.code}
            data-severity={finding.severity}
            data-code={finding.code}
          >
            <div className="jp-WorkbenchGpu-findingMessage">
              {finding.message}
            </div>
            <div className="jp-WorkbenchGpu-findingAdvice">
              {finding.advice}
            </div>
          </li>
        ))}
      </ul>
      <GpuMetrics gpu={gpu} trans={trans} />
      <div className="jp-WorkbenchGpu-migBox">
        {gpu.mig?.enabled && <MigSlices gpu={gpu} trans={trans} />}
      </div>
      <div className="jp-WorkbenchGpu-charts">
        {CHART_METRICS.map(metric => (
          <GpuChart
            key={metric}
            gpu={gpu}
            metric={metric}
            series={series}
            theme={props.theme}
            trans={trans}
          />
        ))}
      </div>
      <div className="jp-WorkbenchGpu-processBox">
        <GpuProcesses gpu={gpu} trans={trans} />
      </div>
      <GpuDetails gpu={gpu} source={source} trans={trans} />
    </section>
  );
}

/**
 * The card's types.
 */
export namespace GpuCard {
  /**
   * Props of a card.
   */
  export interface IProps extends ITransProps {
    /** The GPU, as in the latest snapshot. */
    gpu: IGpu;
    /** Its chart series (history plus stream). */
    series: IGpuSeries | undefined;
    /** The snapshot's source (`nvml`, `nvidia-smi`, `replay`…). */
    source?: string;
    /** The theme counter (`GpuModel.theme`): charts redraw when it changes. */
    theme?: number;
  }
}

/**
 * The collapsed "Details" part of a card, always present: PCIe link, ECC, retired or
 * remapped memory, last Xid, clock-event reasons (N/A with the reason where missing).
 */
function GpuDetails(props: IGpuProps & { source: string }): JSX.Element {
  const { gpu, source, trans } = props;
  return (
    <details className="jp-WorkbenchGpu-details">
      <summary>{trans.__('Details')}</summary>
      <dl>
        {gpuDetails(gpu, source, trans).map(row => (
          <div
            key={row.key}
            className="jp-WorkbenchGpu-detail"
            data-detail={row.key}
          >
            <dt>{row.label}</dt>
            <dd>
              <ShownValue value={row.value} />
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/**
 * Props of the card's parts.
 */
interface IGpuProps extends ITransProps {
  /** The GPU shown. */
  gpu: IGpu;
}

/**
 * The current metrics, each with its N/A reason when missing.
 */
function GpuMetrics(props: IGpuProps): JSX.Element {
  const { gpu, trans } = props;
  const metrics: Array<[string, string, IShownValue]> = [
    [
      'utilization',
      trans.__('Utilization'),
      formatValue(
        gpu,
        'utilization_gpu_percent',
        gpu.utilization_gpu_percent,
        ' %'
      )
    ],
    ['memory', trans.__('Memory'), formatMemory(gpu)],
    [
      'temperature',
      trans.__('Temperature'),
      formatValue(gpu, 'temperature_c', gpu.temperature_c, ' °C')
    ],
    [
      'power',
      trans.__('Power'),
      gpu.power_w !== null && gpu.power_limit_w !== null
        ? {
            text: `${gpu.power_w.toFixed(1)} / ${gpu.power_limit_w.toFixed(0)} W`,
            reason: null
          }
        : formatValue(gpu, 'power_w', gpu.power_w, ' W', 1)
    ],
    [
      'sm-clock',
      trans.__('SM clock'),
      formatValue(gpu, 'clocks.sm_mhz', gpu.clocks.sm_mhz, ' MHz')
    ]
  ];
  return (
    <div className="jp-WorkbenchGpu-metrics">
      {metrics.map(([key, label, shown]) => (
        <div key={key} className="jp-WorkbenchGpu-metric" data-metric={key}>
          <span>{label}</span>
          <ShownValue value={shown} />
        </div>
      ))}
    </div>
  );
}

/**
 * The MIG slices of a GPU in MIG mode: index, profile, memory.
 */
function MigSlices(props: IGpuProps): JSX.Element {
  const { gpu, trans } = props;
  const devices = gpu.mig.devices;
  return (
    <>
      <h4 className="jp-WorkbenchGpu-subtitle">
        {trans.__('MIG slices (%1)', devices.length)}
      </h4>
      <table className="jp-WorkbenchGpu-mig">
        <thead>
          <tr>
            <th title={trans.__('MIG device index')}>#</th>
            <th>{trans.__('Profile')}</th>
            <th>{trans.__('Memory')}</th>
          </tr>
        </thead>
        <tbody>
          {devices.map(device => {
            const memory = sliceMemory(
              device.memory_used_mib,
              device.memory_total_mib
            );
            const profile = device.profile ?? 'N/A';
            return (
              <tr key={device.index}>
                <td>{device.index}</td>
                <td
                  title={
                    device.gpu_instance_id === null
                      ? profile
                      : trans.__(
                          '%1, GPU instance %2',
                          profile,
                          device.gpu_instance_id
                        )
                  }
                >
                  {profile}
                </td>
                <td title={memory.title}>{memory.text}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

/**
 * The processes using a GPU (with their Jupyter kernel when one is known).
 */
function GpuProcesses(props: IGpuProps): JSX.Element {
  const { gpu, trans } = props;
  const rows = processRows(gpu);
  const kernels = rows.some(proc => proc.kernel);
  const slices = !!gpu.mig?.enabled;
  return (
    <>
      <h4 className="jp-WorkbenchGpu-subtitle">
        {trans.__('Processes (%1)', rows.length)}
      </h4>
      {rows.length ? (
        <table className="jp-WorkbenchGpu-processes">
          <thead>
            <tr>
              <th>{trans.__('PID')}</th>
              <th>{trans.__('Process')}</th>
              <th className="jp-WorkbenchGpu-memoryColumn">
                {trans.__('Memory')}
              </th>
              {slices && (
                <th
                  className="jp-WorkbenchGpu-sliceColumn"
                  title={trans.__('The MIG slice (GPU instance) it runs on')}
                >
                  {trans.__('Slice')}
                </th>
              )}
              {kernels && <th>{trans.__('Kernel')}</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map(proc => (
              <tr key={proc.pid}>
                <td title={proc.pid}>{proc.pid}</td>
                <td title={proc.name}>{proc.name}</td>
                <td title={proc.memory}>{proc.memoryShort}</td>
                {slices && (
                  <td className="jp-WorkbenchGpu-slice" title={proc.slice}>
                    {proc.sliceShort}
                  </td>
                )}
                {kernels && <td title={proc.kernel}>{proc.kernel}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="jp-WorkbenchGpu-none">
          {trans.__('No process is using this GPU.')}
        </div>
      )}
    </>
  );
}

/**
 * The outcome of a check shown to the user: `success`, `warning` (it ran, but 3D is
 * rendered in software), `error`; `''` while running or before the first run.
 */
export function checkOutcome(
  state: ReturnType<GpuModel['check']>
): 'success' | 'warning' | 'error' | '' {
  if (state.running) {
    return '';
  }
  const result = state.result;
  if (!result) {
    return state.error !== null ? 'error' : '';
  }
  if (!result.ok) {
    return 'error';
  }
  return result.check === 'opengl' && !result.accelerated
    ? 'warning'
    : 'success';
}

/**
 * The CUDA and OpenGL checks: a button each and its result. They run on the Jupyter
 * server's machine: with a replayed capture they are labelled as checks of this
 * machine, not of the replayed GPU.
 */
export function GpuChecks(props: GpuView.IProps): JSX.Element {
  const { model, trans } = props;
  const replay = model.snapshot?.source === 'replay';
  const checks: Array<[GpuCheckName, string, string]> = [
    [
      'cuda',
      trans.__('Check CUDA'),
      trans.__('Allocate, copy and run on the GPU with the CUDA driver')
    ],
    [
      'opengl',
      trans.__('Is my 3D accelerated?'),
      trans.__(
        'Ask the desktop (or a throwaway X server) for its OpenGL renderer'
      )
    ]
  ];
  return (
    <section className="jp-WorkbenchGpu-checks">
      <h3 className="jp-WorkbenchGpu-subtitle">
        {replay ? trans.__('Checks of this machine') : trans.__('Checks')}
      </h3>
      {replay && (
        <p className="jp-WorkbenchGpu-checksScope">
          {checksHeading(model.snapshot, trans)}{' '}
          {trans.__(
            'They run where the Jupyter server runs; their results say nothing about the replayed capture above.'
          )}
        </p>
      )}
      {checks.map(([name, label, title]) => {
        const state = model.check(name);
        const result = state.result;
        const ok = state.running
          ? ''
          : result
            ? String(result.ok)
            : state.error !== null
              ? 'false'
              : undefined;
        return (
          <div key={name} className="jp-WorkbenchGpu-check">
            <Button
              className="jp-mod-styled jp-mod-accept"
              title={title}
              data-check={name}
              disabled={state.running}
              onClick={() => void model.runCheck(name)}
            >
              {label}
            </Button>
            <div
              className="jp-WorkbenchGpu-checkResult"
              data-check={name}
              data-ok={ok}
              data-outcome={checkOutcome(state) || undefined}
              data-accelerated={
                result?.check === 'opengl' && result.accelerated !== undefined
                  ? String(result.accelerated)
                  : undefined
              }
              aria-live="polite"
            >
              {state.running
                ? trans.__('Running…')
                : result
                  ? checkLines(result, trans).map((line, i) => (
                      <div
                        key={i}
                        className={
                          i ? undefined : 'jp-WorkbenchGpu-checkSummary'
                        }
                      >
                        {line}
                      </div>
                    ))
                  : state.error !== null
                    ? trans.__('The check failed: %1', state.error)
                    : null}
            </div>
          </div>
        );
      })}
    </section>
  );
}
