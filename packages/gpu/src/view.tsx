/**
 * The GPU panel's React components: the panel view, one card per GPU and its parts, the
 * replay label, the empty state and the checks. They render a `GpuModel` and hold no
 * state of their own (the charts keep their uPlot instance, see ./chart).
 */

import type { IGpu, IGpuSnapshot } from '@jupyter-workbench/services';
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import { GpuChart } from './chart';
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
  verdictLabel
} from './logic';
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
  const snapshot = model.snapshot;
  const stalled =
    !!snapshot && (snapshot.stalled || snapshot.status === 'error');
  return (
    <>
      {snapshot?.source === 'replay' && <ReplayLabel trans={trans} />}
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
      <div className="jp-WorkbenchGpu-streamState" role="status">
        {streamLabel(model.streamState, model.streamAttempts, trans)}
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
                  series={model.series.get(key)}
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
  }
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
export function ReplayLabel(props: ITransProps): JSX.Element {
  const { trans } = props;
  return (
    <div
      className="jp-WorkbenchGpu-replay"
      role="note"
      title={trans.__(
        'The server replays a saved nvidia-smi capture (GPUMonitor.source = "replay"), for demos and tests.'
      )}
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
            trans={trans}
          />
        ))}
      </div>
      <div className="jp-WorkbenchGpu-processBox">
        <GpuProcesses gpu={gpu} trans={trans} />
      </div>
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
  }
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
            <th>{trans.__('Slice')}</th>
            <th>{trans.__('Profile')}</th>
            <th>{trans.__('Memory')}</th>
          </tr>
        </thead>
        <tbody>
          {devices.map(device => (
            <tr key={device.index}>
              <td>{device.index}</td>
              <td>{device.profile ?? 'N/A'}</td>
              <td>
                {`${device.memory_used_mib ?? 'N/A'} / ${device.memory_total_mib ?? 'N/A'} MiB`}
              </td>
            </tr>
          ))}
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
              <th>{trans.__('Memory')}</th>
              {kernels && <th>{trans.__('Kernel')}</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map(proc => (
              <tr key={proc.pid}>
                <td title={proc.pid}>{proc.pid}</td>
                <td title={proc.name}>{proc.name}</td>
                <td title={proc.memory}>{proc.memory}</td>
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
 * The CUDA and OpenGL checks: a button each and its result.
 */
export function GpuChecks(props: GpuView.IProps): JSX.Element {
  const { model, trans } = props;
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
      <h3 className="jp-WorkbenchGpu-subtitle">{trans.__('Checks')}</h3>
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
