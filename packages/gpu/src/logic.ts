/**
 * Pure helpers of the GPU panel: formatting, verdicts, notifications and chart series.
 * No JupyterLab imports at runtime (unit-tested with jest).
 */

import type {
  GpuVerdict,
  IGpu,
  IGpuCheck,
  IGpuFinding,
  IGpuHistory,
  IGpuSnapshot
} from '@jupyter-workbench/services';

/**
 * The part of a JupyterLab `TranslationBundle` the helpers use.
 */
export interface ITrans {
  /** Translate a message, replacing `%1`, `%2`… with `args`. */
  __(msgid: string, ...args: unknown[]): string;
  /** Translate a message with a plural form chosen by `n`. */
  _n(msgid: string, msgidPlural: string, n: number, ...args: unknown[]): string;
}

/**
 * Severity order of verdicts (higher is worse).
 */
export const VERDICT_RANK: Record<GpuVerdict, number> = {
  ok: 0,
  unknown: 1,
  degraded: 2,
  critical: 3
};

/**
 * A displayed value: its text, and why it is N/A (`null` when it is not).
 */
export interface IShownValue {
  /** The text shown. */
  text: string;
  /** The reason a value is N/A (shown as tooltip), else `null`. */
  reason: string | null;
}

/**
 * The reason a field is N/A, from the snapshot's `na` map.
 */
export function naReason(gpu: IGpu, field: string): string {
  return gpu.na?.[field] ?? 'not reported';
}

/**
 * A value with its unit, or "N/A" and the server's reason (never a fake zero).
 */
export function formatValue(
  gpu: IGpu,
  field: string,
  value: number | null | undefined,
  unit: string,
  digits = 0
): IShownValue {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return { text: 'N/A', reason: naReason(gpu, field) };
  }
  return { text: `${value.toFixed(digits)}${unit}`, reason: null };
}

/**
 * Used / total memory in MiB, with the N/A reason of whichever part is missing.
 */
export function formatMemory(gpu: IGpu): IShownValue {
  const { used_mib: used, total_mib: total } = gpu.memory;
  if (used === null && total === null) {
    return { text: 'N/A', reason: naReason(gpu, 'memory.used_mib') };
  }
  if (total === null) {
    return { text: `${used} MiB`, reason: null };
  }
  if (used === null) {
    return {
      text: `N/A / ${total} MiB`,
      reason: naReason(gpu, 'memory.used_mib')
    };
  }
  return {
    text: `${used} / ${total} MiB (${Math.round((100 * used) / total)} %)`,
    reason: null
  };
}

/**
 * The card's title: the vGPU profile in a vGPU guest, else the GPU's name.
 */
export function gpuTitle(gpu: IGpu): string {
  const name = gpu.vgpu?.profile ?? gpu.name ?? `#${gpu.index}`;
  return `GPU ${gpu.index}: ${name}`;
}

/**
 * A short product name for tight places (the status bar): the vGPU profile in a vGPU
 * guest, else the name without the vendor and the memory size (`NVIDIA H100 80GB HBM3`
 * → `H100`).
 */
export function shortName(gpu: IGpu): string {
  if (gpu.vgpu?.profile) {
    return gpu.vgpu.profile;
  }
  const words = (gpu.name ?? `GPU ${gpu.index}`)
    .replace(/^NVIDIA\s+/i, '')
    .split(/\s+/);
  const size = words.findIndex((word, i) => i > 0 && /^\d+GB$/i.test(word));
  return (size > 0 ? words.slice(0, size) : words).join(' ');
}

/**
 * A memory amount in MiB, short: `17 MiB` below 1 GiB, else `10.8 GiB`.
 */
export function shortMiB(mib: number): string {
  return mib < 1024 ? `${mib} MiB` : `${(mib / 1024).toFixed(1)} GiB`;
}

/**
 * A MIG slice's (or any) used / total memory, short (`10.8 / 39.5 GiB`) with the exact
 * MiB as its tooltip text (`11091 / 40448 MiB (27 %)`).
 */
export function sliceMemory(
  used: number | null,
  total: number | null
): { text: string; title: string } {
  if (used === null || total === null) {
    const exact = `${used ?? 'N/A'} / ${total ?? 'N/A'} MiB`;
    return { text: exact, title: exact };
  }
  const percent = total ? Math.round((100 * used) / total) : 0;
  const title = `${used} / ${total} MiB (${percent} %)`;
  if (used < 1024 && total < 1024) {
    return { text: `${used} / ${total} MiB`, title };
  }
  if (used < 1024) {
    return { text: `${used} MiB / ${shortMiB(total)}`, title };
  }
  const gib = (mib: number) => (mib / 1024).toFixed(1);
  return { text: `${gib(used)} / ${gib(total)} GiB`, title };
}

/**
 * The share of a GPU's memory in use (rounded percent), or `null`.
 */
export function memoryPercent(gpu: IGpu): number | null {
  const { used_mib: used, total_mib: total } = gpu.memory;
  return used !== null && total ? Math.round((100 * used) / total) : null;
}

/**
 * The status bar text: what the GPUs are and how busy, meaningful in MIG and vGPU modes
 * too (e.g. `H100 · 4 MIG slices · 14 % mem`, `GRID P4-1Q · vGPU · 0 % util · 79 % mem`,
 * `2 GPUs · 40 % util · 12 % mem`).
 */
export function statusSummary(gpus: IGpu[], trans: ITrans): string {
  if (!gpus.length) {
    return trans.__('No GPU');
  }
  const parts: string[] = [];
  if (gpus.length === 1) {
    const gpu = gpus[0];
    parts.push(shortName(gpu));
    if (gpu.mig?.enabled) {
      const n = gpu.mig.devices.length;
      parts.push(trans._n('%1 MIG slice', '%1 MIG slices', n, n));
    }
    if (gpu.virtualization_mode === 'vgpu') {
      parts.push(trans.__('vGPU'));
    }
  } else {
    parts.push(trans._n('%1 GPU', '%1 GPUs', gpus.length, gpus.length));
    const slices = gpus.reduce(
      (sum, gpu) => sum + (gpu.mig?.enabled ? gpu.mig.devices.length : 0),
      0
    );
    if (slices) {
      parts.push(trans._n('%1 MIG slice', '%1 MIG slices', slices, slices));
    }
  }
  const utilization = meanUtilization(gpus);
  if (utilization !== null) {
    parts.push(trans.__('%1 % util', utilization));
  }
  const memory = gpus.map(memoryPercent).filter((v): v is number => v !== null);
  if (memory.length) {
    const mean = Math.round(memory.reduce((a, b) => a + b, 0) / memory.length);
    parts.push(trans.__('%1 % mem', mean));
  }
  if (utilization === null && !memory.length) {
    parts.push('N/A');
  }
  return parts.join(' · ');
}

/**
 * The MIG slice a process runs on: its GPU instance's profile and id (`3g.40gb · GI 2`),
 * `''` outside MIG mode, `GI n` when no slice of that instance is listed.
 */
export function processSlice(gpu: IGpu, gpuInstanceId: number | null): string {
  if (!gpu.mig?.enabled) {
    return '';
  }
  if (gpuInstanceId === null) {
    return 'N/A';
  }
  const device = gpu.mig.devices.find(d => d.gpu_instance_id === gpuInstanceId);
  return device?.profile
    ? `${device.profile} · GI ${gpuInstanceId}`
    : `GI ${gpuInstanceId}`;
}

/**
 * Translated label of a verdict.
 */
export function verdictLabel(verdict: GpuVerdict, trans: ITrans): string {
  switch (verdict) {
    case 'ok':
      return trans.__('Healthy');
    case 'degraded':
      return trans.__('Degraded');
    case 'critical':
      return trans.__('Critical');
    default:
      return trans.__('Unknown');
  }
}

/**
 * Labelled facts of a GPU: virtualization, vGPU licence (status and expiry), PCI bus.
 */
export function gpuFacts(
  gpu: IGpu,
  trans: ITrans
): Array<{ key: string; label: string; value: IShownValue }> {
  const facts: Array<{ key: string; label: string; value: IShownValue }> = [];
  const modes: Record<string, string> = {
    none: trans.__('bare metal'),
    passthrough: trans.__('passthrough'),
    vgpu: trans.__('vGPU guest'),
    host_vgpu: trans.__('vGPU host')
  };
  facts.push({
    key: 'virtualization',
    label: trans.__('Virtualization'),
    value: gpu.virtualization_mode
      ? {
          text: modes[gpu.virtualization_mode] ?? gpu.virtualization_mode,
          reason: null
        }
      : { text: 'N/A', reason: naReason(gpu, 'virtualization_mode') }
  });
  if (gpu.vgpu) {
    const status = gpu.vgpu.license_status;
    const expiry = gpu.vgpu.license_expiry;
    facts.push({
      key: 'licence',
      label: trans.__('Licence'),
      value: status
        ? {
            text: expiry
              ? trans.__('%1, expires %2', status, formatDate(expiry))
              : status,
            reason: null
          }
        : { text: 'N/A', reason: naReason(gpu, 'vgpu.license_status') }
    });
  }
  if (gpu.pci_bus_id) {
    facts.push({
      key: 'bus',
      label: trans.__('PCI bus'),
      value: { text: gpu.pci_bus_id, reason: null }
    });
  }
  return facts;
}

/**
 * An ISO date as `YYYY-MM-DD HH:MM UTC` (the input unchanged when it does not parse).
 */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Rows of the processes table: pid, name, memory, MIG slice (in MIG mode) and the
 * Jupyter kernel if any; the `…Short` forms fit the default sidebar width.
 */
export function processRows(gpu: IGpu): Array<{
  pid: string;
  name: string;
  memory: string;
  memoryShort: string;
  slice: string;
  sliceShort: string;
  kernel: string;
}> {
  return gpu.processes.map(proc => ({
    pid: String(proc.pid),
    name: proc.name ?? 'N/A',
    memory:
      proc.used_memory_mib === null || proc.used_memory_mib === undefined
        ? 'N/A'
        : `${proc.used_memory_mib} MiB`,
    memoryShort:
      proc.used_memory_mib === null || proc.used_memory_mib === undefined
        ? 'N/A'
        : shortMiB(proc.used_memory_mib),
    slice: processSlice(gpu, proc.gpu_instance_id ?? null),
    sliceShort: processSlice(gpu, proc.gpu_instance_id ?? null).split(' · ')[0],
    kernel: proc.kernel ? proc.kernel.name : ''
  }));
}

/**
 * The lines showing a check's result: summary, then (OpenGL) renderer and acceleration,
 * then the error if any.
 */
export function checkLines(check: IGpuCheck, trans: ITrans): string[] {
  const lines = [check.summary];
  if (check.check === 'opengl') {
    if (check.renderer) {
      lines.push(trans.__('Renderer: %1', check.renderer));
    }
    if (check.accelerated !== undefined) {
      lines.push(
        trans.__(
          'Hardware accelerated: %1',
          check.accelerated ? trans.__('yes') : trans.__('no')
        )
      );
    }
  }
  // The server often puts the error into the summary too: print it once.
  if (check.error && !check.summary.includes(check.error)) {
    lines.push(trans.__('Error: %1', check.error));
  }
  return lines;
}

/**
 * The worst verdict among GPUs (`unknown` when there is none).
 */
export function worstVerdict(gpus: IGpu[]): GpuVerdict {
  let worst: GpuVerdict = gpus.length ? 'ok' : 'unknown';
  for (const gpu of gpus) {
    if (VERDICT_RANK[gpu.health.verdict] > VERDICT_RANK[worst]) {
      worst = gpu.health.verdict;
    }
  }
  return worst;
}

/**
 * Findings worth a notification: not informational ones (application Xids).
 */
export function notifiableFindings(findings: IGpuFinding[]): IGpuFinding[] {
  return findings.filter(finding => finding.severity !== 'info');
}

/**
 * The verdict that counts for notifications: a GPU whose findings are all informational
 * (e.g. application Xids) counts as ok.
 */
export function notifiableVerdict(gpu: IGpu): GpuVerdict {
  const verdict = gpu.health.verdict;
  if (verdict === 'degraded' || verdict === 'critical') {
    return notifiableFindings(gpu.health.findings).length ? verdict : 'ok';
  }
  return verdict;
}

/**
 * A confirmed worsening of one GPU's verdict.
 */
export interface IVerdictChange {
  /** The GPU, as in the confirming snapshot. */
  gpu: IGpu;
  /** The verdict before. */
  from: GpuVerdict;
  /** The worse verdict. */
  to: GpuVerdict;
}

/**
 * Notices when a GPU's verdict gets worse and stays worse: for at least `confirmations`
 * consecutive snapshots spanning at least `minSeconds`. The first snapshot only sets the
 * baseline (no notification on load); informational findings never count.
 */
export class VerdictWatch {
  /**
   * Create a watch needing `confirmations` consecutive worse snapshots over `minSeconds`.
   */
  constructor(
    readonly confirmations = 2,
    readonly minSeconds = 10
  ) {}

  /**
   * Feed a snapshot; returns the GPUs whose worse verdict has just been confirmed.
   */
  update(snapshot: Pick<IGpuSnapshot, 'gpus' | 'timestamp'>): IVerdictChange[] {
    const out: IVerdictChange[] = [];
    const now = snapshot.timestamp;
    for (const gpu of snapshot.gpus) {
      const key = gpu.uuid ?? String(gpu.index);
      const verdict = notifiableVerdict(gpu);
      const known = this._confirmed.get(key);
      if (known === undefined) {
        this._confirmed.set(key, verdict);
        continue;
      }
      if (VERDICT_RANK[verdict] <= VERDICT_RANK[known]) {
        this._pending.delete(key);
        this._confirmed.set(key, verdict);
        continue;
      }
      const pending = this._pending.get(key);
      const same = pending && pending.verdict === verdict;
      if (same && pending.last === now) {
        continue; // the same snapshot twice (stream and poll)
      }
      const next = same
        ? { verdict, count: pending.count + 1, since: pending.since, last: now }
        : { verdict, count: 1, since: now, last: now };
      if (
        next.count >= this.confirmations &&
        now - next.since >= this.minSeconds
      ) {
        this._pending.delete(key);
        this._confirmed.set(key, verdict);
        out.push({ gpu, from: known, to: verdict });
      } else {
        this._pending.set(key, next);
      }
    }
    return out;
  }

  private _confirmed = new Map<string, GpuVerdict>();
  private _pending = new Map<
    string,
    { verdict: GpuVerdict; count: number; since: number; last: number }
  >();
}

/**
 * The charted metrics, in display order.
 */
export const CHART_METRICS = [
  'utilization_gpu_percent',
  'memory_used_mib',
  'temperature_c',
  'power_w'
] as const;

/**
 * One charted metric.
 */
export type ChartMetric = (typeof CHART_METRICS)[number];

/**
 * A series column: a charted metric, or the memory-copy utilisation drawn in the
 * utilisation chart next to the GPU utilisation.
 */
export type SeriesColumn = ChartMetric | 'utilization_memory_percent';

/**
 * Every series column, in storage order.
 */
export const SERIES_COLUMNS: readonly SeriesColumn[] = [
  ...CHART_METRICS,
  'utilization_memory_percent'
];

/**
 * Time series of one GPU: epoch seconds and one column per metric (nulls are gaps).
 */
export interface IGpuSeries {
  /** Epoch seconds, ascending. */
  t: number[];
  /** One value (or null) per time, per column. */
  values: Record<SeriesColumn, Array<number | null>>;
}

/**
 * The memory-copy (memory controller) utilisation in percent, `null` where not known.
 */
export function memoryCopyUtilization(gpu: IGpu): number | null {
  return gpu.utilization?.memory ?? null;
}

/**
 * A new empty series.
 */
function emptySeries(): IGpuSeries {
  return {
    t: [],
    values: {
      utilization_gpu_percent: [],
      memory_used_mib: [],
      temperature_c: [],
      power_w: [],
      utilization_memory_percent: []
    }
  };
}

/**
 * Seconds covered by a history window.
 */
export function windowSeconds(window: '1h' | '24h'): number {
  return window === '24h' ? 86400 : 3600;
}

/**
 * The value of a metric (or series column) in a GPU's snapshot.
 */
export function metricValue(gpu: IGpu, metric: SeriesColumn): number | null {
  switch (metric) {
    case 'memory_used_mib':
      return gpu.memory.used_mib;
    case 'utilization_memory_percent':
      return memoryCopyUtilization(gpu);
    default:
      return gpu[metric];
  }
}

/**
 * The field name whose N/A reason explains a metric.
 */
export function metricField(metric: ChartMetric): string {
  return metric === 'memory_used_mib' ? 'memory.used_mib' : metric;
}

/**
 * Series per GPU UUID from the server's history (copies; sorted by time).
 */
export function seriesFromHistory(
  history: IGpuHistory | null
): Map<string, IGpuSeries> {
  const out = new Map<string, IGpuSeries>();
  for (const [uuid, columns] of Object.entries(history?.gpus ?? {})) {
    const order = columns.t
      .map((_, i) => i)
      .sort((a, b) => columns.t[a] - columns.t[b]);
    const pick = (column: Array<number | null> | undefined) =>
      order.map(i => column?.[i] ?? null);
    out.set(uuid, {
      t: order.map(i => columns.t[i]),
      values: {
        utilization_gpu_percent: pick(columns.utilization_gpu_percent),
        memory_used_mib: pick(columns.memory_used_mib),
        temperature_c: pick(columns.temperature_c),
        power_w: pick(columns.power_w),
        utilization_memory_percent: pick(
          (columns as Partial<Record<SeriesColumn, Array<number | null>>>)
            .utilization_memory_percent
        )
      }
    });
  }
  return out;
}

/**
 * Append a snapshot to the series (creating a GPU's series on first sight), skipping
 * samples not newer than the last one, and drop points older than `keepSeconds`.
 */
export function appendSnapshot(
  series: Map<string, IGpuSeries>,
  snapshot: Pick<IGpuSnapshot, 'gpus' | 'timestamp'>,
  keepSeconds: number
): void {
  const now = snapshot.timestamp;
  for (const gpu of snapshot.gpus) {
    const key = gpu.uuid ?? String(gpu.index);
    let one = series.get(key);
    if (!one) {
      one = emptySeries();
      series.set(key, one);
    }
    const last = one.t[one.t.length - 1];
    if (last !== undefined && now <= last) {
      continue;
    }
    one.t.push(now);
    for (const column of SERIES_COLUMNS) {
      one.values[column].push(metricValue(gpu, column));
    }
    let drop = 0;
    while (drop < one.t.length && one.t[drop] < now - keepSeconds) {
      drop += 1;
    }
    if (drop) {
      one.t.splice(0, drop);
      for (const column of SERIES_COLUMNS) {
        one.values[column].splice(0, drop);
      }
    }
  }
}

/**
 * The series columns drawn in a metric's chart: the utilisation chart also draws the
 * memory-copy utilisation.
 */
export function chartColumns(metric: ChartMetric): SeriesColumn[] {
  return metric === 'utilization_gpu_percent'
    ? ['utilization_gpu_percent', 'utilization_memory_percent']
    : [metric];
}

/**
 * uPlot's aligned data for one chart: `[times, values…]` (one column per drawn series,
 * see `chartColumns`), plus how many values are real.
 */
export function chartData(
  series: IGpuSeries | undefined,
  metric: ChartMetric
): { data: [number[], ...Array<Array<number | null>>]; points: number } {
  const columns = chartColumns(metric);
  if (!series) {
    return { data: [[], ...columns.map(() => [])], points: 0 };
  }
  const values = columns.map(column => series.values[column].slice());
  return {
    data: [series.t.slice(), ...values],
    points: values.reduce(
      (sum, column) => sum + column.filter(v => v !== null).length,
      0
    )
  };
}

/**
 * The y-axis ticks of a chart anchored to its range: 0, the middle and the top (the
 * GPU's limit), so the top tick is the total memory or power limit itself.
 */
export function chartTicks(range: [number, number]): number[] {
  const [low, high] = range;
  return [low, (low + high) / 2, high];
}

/**
 * The y-axis range of a metric: 0 to the GPU's limit where one is known (100 %, memory
 * total, power limit), else 0 to the data's maximum (at least 1).
 */
export function chartRange(
  gpu: IGpu,
  metric: ChartMetric,
  ...columns: Array<Array<number | null>>
): [number, number] {
  const limit =
    metric === 'utilization_gpu_percent'
      ? 100
      : metric === 'memory_used_mib'
        ? gpu.memory.total_mib
        : metric === 'power_w'
          ? gpu.power_limit_w
          : null;
  let max = 1;
  for (const values of columns) {
    for (const value of values) {
      if (value !== null && value > max) {
        max = value;
      }
    }
  }
  return [
    0,
    limit !== null && limit >= max ? limit : Math.ceil((max * 11) / 10)
  ];
}

/**
 * The mean utilization of the GPUs that report one (rounded), or `null`.
 */
export function meanUtilization(gpus: IGpu[]): number | null {
  const values = gpus
    .map(gpu => gpu.utilization_gpu_percent)
    .filter((v): v is number => v !== null && v !== undefined);
  return values.length
    ? Math.round(values.reduce((a, b) => a + b, 0) / values.length)
    : null;
}
