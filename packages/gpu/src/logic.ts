/**
 * Pure helpers of the GPU panel (no JupyterLab imports: unit-tested).
 */

import type {
  GpuVerdict,
  IGpu,
  IGpuFinding
} from '@jupyter-workbench/services';

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
 * A value with its unit, or "N/A" and why.
 */
export function formatValue(
  gpu: IGpu,
  field: string,
  value: number | null | undefined,
  unit: string,
  digits = 0
): { text: string; reason: string | null } {
  if (value === null || value === undefined) {
    return { text: 'N/A', reason: gpu.na?.[field] ?? 'not reported' };
  }
  return { text: `${value.toFixed(digits)}${unit}`, reason: null };
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
 * Notices when a GPU's verdict gets worse and stays worse for `confirmations` snapshots.
 * The first snapshot only sets the baseline (no notification on load).
 */
export class VerdictWatch {
  /**
   * Create a watch needing `confirmations` consecutive worse snapshots.
   */
  constructor(private confirmations = 2) {}

  /**
   * Feed a snapshot's GPUs; returns the GPUs whose verdict just worsened (confirmed).
   */
  update(gpus: IGpu[]): Array<{ gpu: IGpu; from: GpuVerdict; to: GpuVerdict }> {
    const out: Array<{ gpu: IGpu; from: GpuVerdict; to: GpuVerdict }> = [];
    for (const gpu of gpus) {
      const key = gpu.uuid ?? String(gpu.index);
      const verdict = notifiableFindings(gpu.health.findings).length
        ? gpu.health.verdict
        : gpu.health.verdict === 'unknown'
          ? 'unknown'
          : 'ok';
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
      const count =
        pending && pending.verdict === verdict ? pending.count + 1 : 1;
      if (count >= this.confirmations) {
        this._pending.delete(key);
        this._confirmed.set(key, verdict);
        out.push({ gpu, from: known, to: verdict });
      } else {
        this._pending.set(key, { verdict, count });
      }
    }
    return out;
  }

  private _confirmed = new Map<string, GpuVerdict>();
  private _pending = new Map<string, { verdict: GpuVerdict; count: number }>();
}

/**
 * An SVG path for a sparkline of `values` (nulls break the line) in a `width`×`height` box,
 * scaled to `max` (or the data's maximum).
 */
export function sparklinePath(
  values: Array<number | null>,
  width: number,
  height: number,
  max?: number
): string {
  const numbers = values.filter((v): v is number => v !== null);
  if (!numbers.length) {
    return '';
  }
  const top = max ?? Math.max(...numbers, 1);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  let path = '';
  let drawing = false;
  values.forEach((value, i) => {
    if (value === null) {
      drawing = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - (Math.min(value, top) / top) * height).toFixed(1);
    path += `${drawing ? 'L' : 'M'}${x},${y}`;
    drawing = true;
  });
  return path;
}
