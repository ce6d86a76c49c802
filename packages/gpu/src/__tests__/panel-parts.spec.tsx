/**
 * Widget and unit tests of the GPU panel's parts added for researchers (issue 11): the
 * always-present details, the MIG slice column, the status text in MIG and vGPU modes,
 * checks labelled as this machine's on a replay, software rendering as a warning, the
 * CUDA error printed once, the window picker and the diagnostic report — on snapshots
 * the server's parser produced from REAL nvidia-smi captures.
 */

import type {
  GpuClient,
  ICudaCheck,
  IGpuCheck,
  IGpuSnapshot
} from '@jupyter-workbench/services';
import { nullTranslator } from '@jupyterlab/translation';
import { act, render, screen, within } from '@testing-library/react';
import * as React from 'react';

import { gpuDetails } from '../details';
import {
  checkLines,
  chartData,
  chartTicks,
  memoryCopyUtilization,
  shortName,
  sliceMemory,
  statusSummary
} from '../logic';
import { GpuModel } from '../model';
import { diagnosticReport } from '../report';
import { GpuView } from '../view';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const H100: IGpuSnapshot = require('./fixtures/h100-mig.snapshot.json');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const P4: IGpuSnapshot = require('./fixtures/tesla_p4.snapshot.json');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const OPENGL: IGpuCheck = require('./fixtures/opengl-llvmpipe.check.json');

const trans = nullTranslator.load('jupyter-workbench');

/** The server's answer to the CUDA check on a machine without a driver. */
const NO_CUDA: ICudaCheck = {
  check: 'cuda',
  ok: false,
  summary:
    'No CUDA driver: libcuda.so.1 cannot be loaded (libcuda.so.1: cannot open shared object file: No such file or directory)',
  error:
    'No CUDA driver: libcuda.so.1 cannot be loaded (libcuda.so.1: cannot open shared object file: No such file or directory)',
  duration_ms: 41.2,
  details: {
    ok: false,
    error:
      'No CUDA driver: libcuda.so.1 cannot be loaded (libcuda.so.1: cannot open shared object file: No such file or directory)'
  }
};

function variant(
  snapshot: IGpuSnapshot,
  edit: (copy: IGpuSnapshot) => void
): IGpuSnapshot {
  const copy: IGpuSnapshot = JSON.parse(JSON.stringify(snapshot));
  edit(copy);
  return copy;
}

/** A model whose checks answer from `answers`. */
function newModel(answers: Partial<Record<string, IGpuCheck>> = {}): GpuModel {
  const client: Pick<GpuClient, 'check'> = {
    check: name =>
      answers[name]
        ? Promise.resolve(answers[name]!)
        : Promise.reject(new Error('no server in this test'))
  };
  return new GpuModel({ client });
}

function renderModel(model: GpuModel, onWindow?: (w: '1h' | '24h') => void) {
  const view = render(
    <GpuView model={model} trans={trans} onWindow={onWindow} />
  );
  model.stateChanged.connect(() =>
    view.rerender(<GpuView model={model} trans={trans} onWindow={onWindow} />)
  );
  return view;
}

function detail(card: HTMLElement, key: string): HTMLElement {
  return card.querySelector(
    `.jp-WorkbenchGpu-detail[data-detail="${key}"] dd > span`
  ) as HTMLElement;
}

describe('Details', () => {
  it('is always present and collapsed, with PCIe, ECC, Xid and clock events', () => {
    const model = newModel();
    renderModel(model);
    act(() => model.setSnapshot({ ...H100, source: 'nvidia-smi' }));
    const card = screen.getByRole('region', {
      name: 'GPU 0: NVIDIA H100 80GB HBM3'
    });
    const details = card.querySelector(
      'details.jp-WorkbenchGpu-details'
    ) as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(details.querySelector('summary')!.textContent).toBe('Details');
    expect(detail(card, 'pcie').textContent).toBe('Gen 5 x16 (max)');
    expect(detail(card, 'pcie-replays').textContent).toBe('9');
    expect(detail(card, 'ecc-mode').textContent).toBe('enabled');
    expect(detail(card, 'ecc-uncorrected').textContent).toBe(
      '0 since reset · 0 lifetime'
    );
    // Absent values: N/A with the server's reason.
    expect(detail(card, 'remapped-rows').textContent).toBe('N/A');
    expect(detail(card, 'remapped-rows').title).toBe(
      'not available on this GPU'
    );
    expect(detail(card, 'xid').textContent).toBe('N/A');
    expect(detail(card, 'xid').title).toBe(
      'Xid events are read through NVML only (source: nvidia-smi)'
    );
    expect(detail(card, 'clock-events').textContent).toBe('none');
    expect(detail(card, 'recovery').textContent).toBe('none');
  });

  it('shows a degraded link, remapped rows, the last Xid and throttle reasons', () => {
    const gpu = variant(H100, copy => {
      const g = copy.gpus[0];
      g.pcie.gen_current = 3;
      g.pcie.width_current = 8;
      g.remapped_rows = {
        correctable: 2,
        uncorrectable: 1,
        pending: true,
        failure: false
      };
      g.xid_events = [
        { xid: 13, time: 1700000000 },
        { xid: 79, time: 1700000100 }
      ];
      g.clock_event_reasons = ['hw_slowdown', 'sw_power_cap'];
    }).gpus[0];
    const rows = Object.fromEntries(
      gpuDetails(gpu, 'nvml', trans).map(row => [row.key, row.value.text])
    );
    expect(rows['pcie']).toBe('Gen 3 x8 (max Gen 5 x16)');
    expect(rows['remapped-rows']).toBe(
      '2 correctable · 1 uncorrectable · remap pending (reset the GPU)'
    );
    expect(rows['xid']).toBe('Xid 79 at 2023-11-14 22:15 UTC (2 in all)');
    expect(rows['clock-events']).toBe('hw slowdown, sw power cap');
    // Through NVML, no Xid yet is a fact, not an N/A.
    expect(
      gpuDetails(H100.gpus[0], 'nvml', trans).find(r => r.key === 'xid')!.value
    ).toEqual({ text: 'none since the monitor started', reason: null });
  });
});

describe('MIG slices and processes', () => {
  it('abbreviates slice memory and keeps the exact value in the tooltip', () => {
    expect(sliceMemory(11091, 40448)).toEqual({
      text: '10.8 / 39.5 GiB',
      title: '11091 / 40448 MiB (27 %)'
    });
    expect(sliceMemory(17, 20096).text).toBe('17 MiB / 19.6 GiB');
    expect(sliceMemory(300, 807).text).toBe('300 / 807 MiB');
    expect(sliceMemory(null, 9984).text).toBe('N/A / 9984 MiB');
  });

  it('has no slice column outside MIG mode', () => {
    const model = newModel();
    renderModel(model);
    act(() =>
      model.setSnapshot(
        variant(P4, copy => {
          copy.gpus[0].processes = [
            {
              pid: 4242,
              name: 'python',
              type: 'C',
              used_memory_mib: null,
              gpu_instance_id: null,
              kernel: null
            }
          ];
        })
      )
    );
    const table = document.querySelector(
      '.jp-WorkbenchGpu-processes'
    ) as HTMLElement;
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map(th => th.textContent)
    ).toEqual(['PID', 'Process', 'Memory']);
  });

  it('names a GPU instance that no listed slice has', () => {
    const model = newModel();
    renderModel(model);
    act(() =>
      model.setSnapshot(
        variant(H100, copy => {
          copy.gpus[0].processes[0].gpu_instance_id = 7;
        })
      )
    );
    const cell = document.querySelector(
      '.jp-WorkbenchGpu-processes tbody tr td.jp-WorkbenchGpu-slice'
    ) as HTMLElement;
    expect(cell.textContent).toBe('GI 7');
    expect(cell.title).toBe('GI 7');
  });
});

describe('Status text', () => {
  it('means something in MIG, vGPU and multi-GPU modes', () => {
    expect(statusSummary(H100.gpus, trans)).toBe(
      'H100 · 4 MIG slices · 14 % mem'
    );
    expect(statusSummary(P4.gpus, trans)).toBe(
      'GRID P4-1Q · vGPU · 0 % util · 79 % mem'
    );
    const two = [...P4.gpus, { ...P4.gpus[0], index: 1 }];
    expect(statusSummary(two, trans)).toBe('2 GPUs · 0 % util · 79 % mem');
    expect(statusSummary([...H100.gpus, ...P4.gpus], trans)).toBe(
      '2 GPUs · 4 MIG slices · 0 % util · 47 % mem'
    );
    const blind = variant(H100, copy => {
      copy.gpus[0].memory.used_mib = null;
      copy.gpus[0].mig = { enabled: false, devices: [] };
    }).gpus;
    expect(statusSummary(blind, trans)).toBe('H100 · N/A');
    expect(statusSummary([], trans)).toBe('No GPU');
  });

  it('shortens product names', () => {
    expect(shortName(H100.gpus[0])).toBe('H100');
    expect(shortName(P4.gpus[0])).toBe('GRID P4-1Q');
    expect(
      shortName({ ...H100.gpus[0], name: 'NVIDIA GeForce RTX 4080 SUPER' })
    ).toBe('GeForce RTX 4080 SUPER');
  });
});

describe('Checks', () => {
  it('are labelled as checks of this machine on a replayed capture', () => {
    const model = newModel();
    renderModel(model);
    act(() => model.setSnapshot({ ...H100, source: 'replay' }));
    const checks = document.querySelector(
      '.jp-WorkbenchGpu-checks'
    ) as HTMLElement;
    expect(
      within(checks).getByRole('heading', { name: 'Checks of this machine' })
    ).toBeTruthy();
    expect(
      checks.querySelector('.jp-WorkbenchGpu-checksScope')!.textContent
    ).toContain('not of the replayed GPU');

    act(() => model.setSnapshot({ ...H100, source: 'nvml' }));
    expect(
      within(checks).getByRole('heading', { name: 'Checks' })
    ).toBeTruthy();
    expect(checks.querySelector('.jp-WorkbenchGpu-checksScope')).toBeNull();
  });

  it('prints the CUDA error once and shows software rendering as a warning', async () => {
    const model = newModel({ cuda: NO_CUDA, opengl: OPENGL });
    renderModel(model);
    await act(async () => {
      await Promise.all([model.runCheck('cuda'), model.runCheck('opengl')]);
    });
    const cuda = document.querySelector(
      '.jp-WorkbenchGpu-checkResult[data-check="cuda"]'
    ) as HTMLElement;
    expect(cuda.dataset.outcome).toBe('error');
    expect(cuda.textContent!.split('No CUDA driver')).toHaveLength(2);
    expect(checkLines(NO_CUDA, trans)).toEqual([NO_CUDA.summary]);

    const opengl = document.querySelector(
      '.jp-WorkbenchGpu-checkResult[data-check="opengl"]'
    ) as HTMLElement;
    expect(opengl.dataset.ok).toBe('true');
    expect(opengl.dataset.outcome).toBe('warning');
  });
});

describe('Window picker', () => {
  it('shows the model’s window and reports the user’s choice', () => {
    const model = newModel();
    const picked: string[] = [];
    renderModel(model, window => {
      picked.push(window);
      model.window = window; // as the plugin's setting handler does
    });
    const select = screen.getByRole('combobox', {
      name: 'History'
    }) as HTMLSelectElement;
    expect(select.value).toBe('1h');
    act(() => {
      select.value = '24h';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(picked).toEqual(['24h']);
    expect(select.value).toBe('24h');
    // A change of the setting elsewhere shows in the panel.
    act(() => (model.window = '1h'));
    expect(select.value).toBe('1h');
  });
});

describe('Charts', () => {
  it('draws memory-copy utilisation next to GPU utilisation where the server sends it', () => {
    const withCopy = variant(P4, copy => {
      (copy.gpus[0] as unknown as { utilization: object }).utilization = {
        memory: 12
      };
    });
    expect(memoryCopyUtilization(withCopy.gpus[0])).toBe(12);
    expect(memoryCopyUtilization(P4.gpus[0])).toBeNull();
    const model = newModel();
    act(() => model.setSnapshot(withCopy));
    const { data, points } = chartData(
      model.series.get(withCopy.gpus[0].uuid ?? '0'),
      'utilization_gpu_percent'
    );
    expect(data.slice(1)).toEqual([[0], [12]]);
    expect(points).toBe(2);
  });

  it('ticks the y axis at 0, the middle and the limit', () => {
    expect(chartTicks([0, 81559])).toEqual([0, 40779.5, 81559]);
    expect(chartTicks([0, 100])).toEqual([0, 50, 100]);
  });
});

describe('Diagnostic report', () => {
  it('has the snapshot, health, details, slices, processes and checks', async () => {
    const model = newModel({ cuda: NO_CUDA });
    await model.runCheck('cuda');
    const text = diagnosticReport(
      { ...H100, source: 'replay' },
      { cuda: model.check('cuda'), opengl: model.check('opengl') },
      trans,
      new Date(Date.UTC(2026, 0, 2, 3, 4))
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('Jupyter Workbench GPU report');
    expect(lines[1]).toBe('Written: 2026-01-02 03:04 UTC');
    expect(text).toContain('source replay · status ok');
    expect(text).toContain('Driver 590.48.01 · CUDA 13.1');
    expect(text).toContain(
      "Replay of a saved capture — not this machine's GPU"
    );
    expect(text).toContain(
      'GPU 0: NVIDIA H100 80GB HBM3 (GPU-00000000-0000-0000-0000-000000000000)'
    );
    expect(lines).toContain('  Health: Healthy');
    expect(lines).toContain(
      '  Utilization: N/A (not reported for the whole GPU in MIG mode)'
    );
    expect(lines).toContain('  Memory: 11125 / 81559 MiB (14 %)');
    expect(lines).toContain('  PCIe link: Gen 5 x16 (max)');
    expect(lines).toContain('  Remapped rows: N/A (not available on this GPU)');
    expect(lines).toContain('    0: 3g.40gb · GI 2 · 11091 / 40448 MiB');
    expect(lines).toContain('    21198 ./gpu_burn 7484 MiB · 3g.40gb · GI 2');
    expect(lines).toContain(
      'Checks of this machine (the Jupyter server), not of the replayed GPU:'
    );
    expect(lines).toContain(`  CUDA: ${NO_CUDA.summary} (failed)`);
    expect(lines).toContain('  OpenGL: not run');
    // The CUDA error once.
    expect(text.split('No CUDA driver')).toHaveLength(2);
  });

  it('says when there is no snapshot', () => {
    const model = newModel();
    const text = diagnosticReport(
      null,
      { cuda: model.check('cuda'), opengl: model.check('opengl') },
      trans
    );
    expect(text).toContain('Snapshot: none (the server did not answer)');
    expect(text).toContain('Checks:');
  });
});
