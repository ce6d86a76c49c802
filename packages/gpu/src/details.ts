/**
 * The rows of a GPU card's "Details" part: PCIe link, ECC, retired or remapped memory,
 * the last Xid, clock-event (throttle) reasons and the recovery action — always present,
 * with "N/A" and the server's reason where a value is missing. Pure (unit-tested).
 */

import type { IGpu } from '@jupyter-workbench/services';

import { formatDate, IShownValue, ITrans, naReason } from './logic';

/**
 * One row of the details: a stable key, its label and its value.
 */
export interface IDetailRow {
  /** Stable key (for tests and styles). */
  key: string;
  /** The translated label. */
  label: string;
  /** The value, or "N/A" and why. */
  value: IShownValue;
}

/**
 * The details of a GPU. `source` is the snapshot's source: Xid events are read through
 * NVML only.
 */
export function gpuDetails(
  gpu: IGpu,
  source: string,
  trans: ITrans
): IDetailRow[] {
  return [
    { key: 'pcie', label: trans.__('PCIe link'), value: pcieLink(gpu, trans) },
    {
      key: 'pcie-replays',
      label: trans.__('PCIe replays'),
      value: count(gpu, 'pcie.replay_counter', gpu.pcie.replay_counter)
    },
    { key: 'ecc-mode', label: trans.__('ECC mode'), value: eccMode(gpu) },
    {
      key: 'ecc-uncorrected',
      label: trans.__('ECC uncorrected'),
      value: eccCounts(
        gpu,
        'uncorrected',
        gpu.ecc.volatile_uncorrected,
        gpu.ecc.aggregate_uncorrected,
        trans
      )
    },
    {
      key: 'ecc-corrected',
      label: trans.__('ECC corrected'),
      value: eccCounts(
        gpu,
        'corrected',
        gpu.ecc.volatile_corrected,
        gpu.ecc.aggregate_corrected,
        trans
      )
    },
    {
      key: 'remapped-rows',
      label: trans.__('Remapped rows'),
      value: remappedRows(gpu, trans)
    },
    {
      key: 'retired-pages',
      label: trans.__('Retired pages'),
      value: retiredPages(gpu, trans)
    },
    {
      key: 'xid',
      label: trans.__('Last Xid'),
      value: lastXid(gpu, source, trans)
    },
    {
      key: 'clock-events',
      label: trans.__('Clock events'),
      value: clockEvents(gpu, trans)
    },
    {
      key: 'memory-clock',
      label: trans.__('Memory clock'),
      value:
        gpu.clocks.mem_mhz === null
          ? na(gpu, 'clocks.mem_mhz')
          : shown(`${gpu.clocks.mem_mhz.toFixed(0)} MHz`)
    },
    {
      key: 'recovery',
      label: trans.__('Recovery action'),
      value: gpu.recovery_action
        ? shown(gpu.recovery_action.replace(/_/g, ' '))
        : na(gpu, 'recovery_action')
    }
  ];
}

/**
 * `Gen 4 x16 (max Gen 5 x16)`, or without the max when the link runs at it.
 */
function pcieLink(gpu: IGpu, trans: ITrans): IShownValue {
  const { gen_current, gen_max, width_current, width_max } = gpu.pcie;
  if (gen_current === null && width_current === null) {
    return na(
      gpu,
      gen_current === null ? 'pcie.gen_current' : 'pcie.width_current'
    );
  }
  const link = (gen: number | null, width: number | null) =>
    `${gen === null ? 'Gen N/A' : `Gen ${gen}`} ${width === null ? 'xN/A' : `x${width}`}`;
  const current = link(gen_current, width_current);
  if (gen_max === null && width_max === null) {
    return shown(current);
  }
  const max = link(gen_max, width_max);
  return shown(
    current === max
      ? trans.__('%1 (max)', current)
      : trans.__('%1 (max %2)', current, max)
  );
}

function eccMode(gpu: IGpu): IShownValue {
  return gpu.ecc.mode ? shown(gpu.ecc.mode) : na(gpu, 'ecc.mode');
}

/**
 * `0 since reset · 0 lifetime`.
 */
function eccCounts(
  gpu: IGpu,
  kind: 'uncorrected' | 'corrected',
  volatile: number | null,
  aggregate: number | null,
  trans: ITrans
): IShownValue {
  if (volatile === null && aggregate === null) {
    if (gpu.ecc.mode === 'disabled') {
      return { text: 'N/A', reason: trans.__('ECC is disabled') };
    }
    return na(gpu, `ecc.volatile_${kind}`);
  }
  return shown(
    trans.__(
      '%1 since reset · %2 lifetime',
      volatile ?? 'N/A',
      aggregate ?? 'N/A'
    )
  );
}

function remappedRows(gpu: IGpu, trans: ITrans): IShownValue {
  const rows = gpu.remapped_rows;
  if (!rows) {
    return na(gpu, 'remapped_rows');
  }
  const parts = [
    trans.__(
      '%1 correctable · %2 uncorrectable',
      rows.correctable ?? 'N/A',
      rows.uncorrectable ?? 'N/A'
    )
  ];
  if (rows.pending) {
    parts.push(trans.__('remap pending (reset the GPU)'));
  }
  if (rows.failure) {
    parts.push(trans.__('remapping FAILED'));
  }
  return shown(parts.join(' · '));
}

function retiredPages(gpu: IGpu, trans: ITrans): IShownValue {
  const pages = gpu.retired_pages;
  if (!pages) {
    return na(gpu, 'retired_pages');
  }
  const parts = [
    trans.__(
      '%1 double-bit · %2 single-bit',
      pages.double_bit ?? 'N/A',
      pages.single_bit ?? 'N/A'
    )
  ];
  if (pages.pending) {
    parts.push(trans.__('retirement pending (reset the GPU)'));
  }
  return shown(parts.join(' · '));
}

function lastXid(gpu: IGpu, source: string, trans: ITrans): IShownValue {
  const events = gpu.xid_events;
  if (events.length) {
    const last = events.reduce((a, b) => (b.time > a.time ? b : a));
    return shown(
      trans.__(
        'Xid %1 at %2 (%3 in all)',
        last.xid,
        formatDate(new Date(last.time * 1000).toISOString()),
        events.length
      )
    );
  }
  if (source !== 'nvml') {
    return {
      text: 'N/A',
      reason:
        gpu.na?.xid_events ??
        trans.__('Xid events are read through NVML only (source: %1)', source)
    };
  }
  return shown(trans.__('none since the monitor started'));
}

function clockEvents(gpu: IGpu, trans: ITrans): IShownValue {
  if (gpu.na?.clock_event_reasons) {
    return na(gpu, 'clock_event_reasons');
  }
  const reasons = gpu.clock_event_reasons;
  return shown(
    reasons.length
      ? reasons.map(reason => reason.replace(/_/g, ' ')).join(', ')
      : trans.__('none')
  );
}

function count(gpu: IGpu, field: string, value: number | null): IShownValue {
  return value === null ? na(gpu, field) : shown(String(value));
}

function shown(text: string): IShownValue {
  return { text, reason: null };
}

function na(gpu: IGpu, field: string): IShownValue {
  return { text: 'N/A', reason: naReason(gpu, field) };
}
