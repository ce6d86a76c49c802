/**
 * The diagnostic report copied by the "Copy GPU Diagnostic Report" command: plain text
 * with the snapshot's summary, each GPU's health, metrics, details, MIG slices and
 * processes, and the checks' last results. Pure (unit-tested).
 */

import type { IGpu, IGpuSnapshot } from '@jupyter-workbench/services';

import { gpuDetails } from './details';
import {
  checkLines,
  formatDate,
  formatMemory,
  formatValue,
  gpuFacts,
  gpuTitle,
  IShownValue,
  ITrans,
  processRows,
  verdictLabel
} from './logic';
import type { GpuCheckName, IGpuCheckState } from './model';

/**
 * The report's text. `checks` are the last states of the CUDA and OpenGL checks (run on
 * the Jupyter server's machine, which in replay mode is not the replayed GPU's).
 */
export function diagnosticReport(
  snapshot: IGpuSnapshot | null,
  checks: Record<GpuCheckName, IGpuCheckState>,
  trans: ITrans,
  now: Date = new Date()
): string {
  const lines: string[] = [
    trans.__('Jupyter Workbench GPU report'),
    trans.__('Written: %1', formatDate(now.toISOString()))
  ];
  if (!snapshot) {
    lines.push(trans.__('Snapshot: none (the server did not answer)'));
  } else {
    lines.push(
      trans.__(
        'Snapshot: %1 · source %2 · status %3',
        formatDate(new Date(snapshot.timestamp * 1000).toISOString()),
        snapshot.source,
        snapshot.status
      ),
      trans.__(
        'Driver %1 · CUDA %2',
        snapshot.driver_version ?? 'N/A',
        snapshot.cuda_version ?? 'N/A'
      )
    );
    if (snapshot.source === 'replay') {
      lines.push(
        trans.__("Replay of a saved capture — not this machine's GPU")
      );
    }
    if (snapshot.stalled) {
      lines.push(trans.__('Stalled: the driver stopped answering'));
    }
    if (snapshot.message) {
      lines.push(trans.__('Message: %1', snapshot.message));
    }
    for (const gpu of snapshot.gpus) {
      lines.push('', ...gpuSection(gpu, snapshot.source, trans));
    }
  }
  lines.push('', checksHeading(snapshot, trans));
  const names: Array<[GpuCheckName, string]> = [
    ['cuda', 'CUDA'],
    ['opengl', 'OpenGL']
  ];
  for (const [name, label] of names) {
    const state = checks[name];
    if (state.result) {
      const [first, ...rest] = checkLines(state.result, trans);
      lines.push(
        `  ${label}: ${first} (${state.result.ok ? 'ok' : 'failed'})`,
        ...rest.map(line => `    ${line}`)
      );
    } else if (state.error !== null) {
      lines.push(
        `  ${label}: ${trans.__('The check failed: %1', state.error)}`
      );
    } else {
      lines.push(
        `  ${label}: ${state.running ? trans.__('running') : trans.__('not run')}`
      );
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * The heading of the checks: where they run.
 */
export function checksHeading(
  snapshot: IGpuSnapshot | null,
  trans: ITrans
): string {
  return snapshot?.source === 'replay'
    ? trans.__(
        'Checks of this machine (the Jupyter server), not of the replayed GPU:'
      )
    : trans.__('Checks:');
}

function gpuSection(gpu: IGpu, source: string, trans: ITrans): string[] {
  const out = [
    `${gpuTitle(gpu)}${gpu.uuid ? ` (${gpu.uuid})` : ''}`,
    `  ${trans.__('Health')}: ${verdictLabel(gpu.health.verdict, trans)}`
  ];
  for (const finding of gpu.health.findings) {
    out.push(
      `    [${finding.severity}] ${finding.code}: ${finding.message}. ${finding.advice}`
    );
  }
  const row = (label: string, value: IShownValue) =>
    `  ${label}: ${value.text}${value.reason ? ` (${value.reason})` : ''}`;
  for (const fact of gpuFacts(gpu, trans)) {
    out.push(row(fact.label, fact.value));
  }
  out.push(
    row(
      trans.__('Utilization'),
      formatValue(
        gpu,
        'utilization_gpu_percent',
        gpu.utilization_gpu_percent,
        ' %'
      )
    ),
    row(trans.__('Memory'), formatMemory(gpu)),
    row(
      trans.__('Temperature'),
      formatValue(gpu, 'temperature_c', gpu.temperature_c, ' °C')
    ),
    row(trans.__('Power'), formatValue(gpu, 'power_w', gpu.power_w, ' W', 1)),
    row(
      trans.__('Power limit'),
      formatValue(gpu, 'power_limit_w', gpu.power_limit_w, ' W')
    ),
    row(
      trans.__('SM clock'),
      formatValue(gpu, 'clocks.sm_mhz', gpu.clocks.sm_mhz, ' MHz')
    )
  );
  for (const detail of gpuDetails(gpu, source, trans)) {
    out.push(row(detail.label, detail.value));
  }
  if (gpu.mig?.enabled) {
    out.push(`  ${trans.__('MIG slices (%1)', gpu.mig.devices.length)}:`);
    for (const device of gpu.mig.devices) {
      out.push(
        `    ${device.index}: ${device.profile ?? 'N/A'} · GI ${device.gpu_instance_id ?? 'N/A'} · ${device.memory_used_mib ?? 'N/A'} / ${device.memory_total_mib ?? 'N/A'} MiB`
      );
    }
  }
  const processes = processRows(gpu);
  out.push(`  ${trans.__('Processes (%1)', processes.length)}:`);
  for (const proc of processes) {
    const extra = [proc.slice, proc.kernel && `kernel ${proc.kernel}`]
      .filter(Boolean)
      .join(' · ');
    out.push(
      `    ${proc.pid} ${proc.name} ${proc.memory}${extra ? ` · ${extra}` : ''}`
    );
  }
  return out;
}
