/**
 * Widget tests of the GPU panel's React view and status item, rendered in jsdom from
 * snapshots the server's own parser produced from REAL nvidia-smi captures (see
 * `_generated_by` in each fixture): an H100 in MIG mode and a Tesla P4 vGPU guest.
 */

import type {
  GpuClient,
  IGpuCheck,
  IGpuSnapshot
} from '@jupyter-workbench/services';
import { nullTranslator } from '@jupyterlab/translation';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { act, render, screen, within } from '@testing-library/react';
import * as React from 'react';

import { GpuModel } from '../model';
import { GpuStatusItem } from '../status';
import { GpuView } from '../view';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const H100: IGpuSnapshot = require('./fixtures/h100-mig.snapshot.json');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const P4: IGpuSnapshot = require('./fixtures/tesla_p4.snapshot.json');
// The server's answer to the OpenGL check on a machine without a GPU.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const OPENGL: IGpuCheck = require('./fixtures/opengl-llvmpipe.check.json');

const trans = nullTranslator.load('jupyter-workbench');

/** A deep copy of a fixture, changed by `edit`. */
function variant(
  snapshot: IGpuSnapshot,
  edit: (copy: IGpuSnapshot) => void
): IGpuSnapshot {
  const copy: IGpuSnapshot = JSON.parse(JSON.stringify(snapshot));
  edit(copy);
  return copy;
}

/** Render the panel view of a model, re-rendering on each model change. */
function renderModel(model: GpuModel) {
  const view = render(<GpuView model={model} trans={trans} />);
  model.stateChanged.connect(() =>
    view.rerender(<GpuView model={model} trans={trans} />)
  );
  return view;
}

/** A model whose checks must not run in these tests. */
function newModel(): GpuModel {
  const client: Pick<GpuClient, 'check'> = {
    check: () => Promise.reject(new Error('no server in this test'))
  };
  return new GpuModel({ client });
}

/** The value cell of a metric row of a card. */
function metric(card: HTMLElement, key: string): HTMLElement {
  return card.querySelector(
    `.jp-WorkbenchGpu-metric[data-metric="${key}"] > span:last-child`
  ) as HTMLElement;
}

describe('GPU card', () => {
  it('shows an H100 in MIG mode: name, health, memory, N/A utilization and slices', () => {
    const model = newModel();
    renderModel(model);
    act(() => model.setSnapshot(H100));

    const card = screen.getByRole('region', {
      name: 'GPU 0: NVIDIA H100 80GB HBM3'
    });
    expect(card.dataset.verdict).toBe('ok');
    const badge = within(card).getByText('Healthy');
    expect(badge.className).toBe('jp-WorkbenchGpu-badge');
    expect(metric(card, 'memory').textContent).toBe('11125 / 81559 MiB (14 %)');
    expect(metric(card, 'temperature').textContent).toBe('53 °C');
    expect(metric(card, 'power').textContent).toBe('432.2 / 700 W');

    // Whole-GPU utilization is not reported in MIG mode: "N/A" and the server's reason.
    const utilization = metric(card, 'utilization');
    expect(utilization.textContent).toBe('N/A');
    expect(utilization.className).toBe('jp-WorkbenchGpu-na');
    expect(utilization.title).toBe(
      'not reported for the whole GPU in MIG mode'
    );
    // Its chart says why it is empty instead of drawing a fake zero.
    const chart = card.querySelector(
      '[data-series="utilization_gpu_percent"]'
    ) as HTMLElement;
    expect(
      within(chart).getByText('N/A: not reported for the whole GPU in MIG mode')
    ).toBeTruthy();

    expect(
      within(card).getByRole('heading', { name: 'MIG slices (4)' })
    ).toBeTruthy();
    const slices = within(card.querySelector('.jp-WorkbenchGpu-mig')!)
      .getAllByRole('row')
      .slice(1)
      .map(row => row.textContent);
    // Short enough for the default sidebar width; the exact MiB in the tooltip.
    expect(slices).toEqual([
      '03g.40gb10.8 / 39.5 GiB',
      '12g.20gb17 MiB / 19.6 GiB',
      '21g.10gb9 MiB / 9.8 GiB',
      '31g.10gb9 MiB / 9.8 GiB'
    ]);
    const firstMemory = card.querySelector(
      '.jp-WorkbenchGpu-mig tbody tr td:last-child'
    ) as HTMLElement;
    expect(firstMemory.title).toBe('11091 / 40448 MiB (27 %)');

    const processes = card.querySelectorAll(
      '.jp-WorkbenchGpu-processes tbody tr'
    );
    expect(processes).toHaveLength(3);
    // In MIG mode, the slice (GPU instance) each process runs on.
    expect(
      within(card.querySelector('.jp-WorkbenchGpu-processes') as HTMLElement)
        .getAllByRole('columnheader')
        .map(th => th.textContent)
    ).toEqual(['PID', 'Process', 'Memory', 'Slice']);
    // Short memory and slice, the exact ones in the tooltips.
    expect(processes[2].textContent).toBe('21198./gpu_burn7.3 GiB3g.40gb');
    const cells = processes[2].querySelectorAll('td');
    expect((cells[2] as HTMLElement).title).toBe('7484 MiB');
    expect((cells[3] as HTMLElement).title).toBe('3g.40gb · GI 2');
    expect(screen.getByText(/^Driver 590\.48\.01 · CUDA 13\.1/)).toBeTruthy();
  });

  it('shows a vGPU guest: profile, licence, utilization and a degraded verdict with advice', () => {
    const model = newModel();
    renderModel(model);
    act(() => model.setSnapshot(P4));

    const card = screen.getByRole('region', { name: 'GPU 0: GRID P4-1Q' });
    expect(card.dataset.verdict).toBe('degraded');
    expect(within(card).getByText('Degraded').dataset.verdict).toBe('degraded');
    expect(metric(card, 'utilization').textContent).toBe('0 %');
    expect(metric(card, 'memory').textContent).toBe('807 / 1024 MiB (79 %)');
    expect(metric(card, 'temperature').title).toBe(
      'not meaningful in a vGPU guest (the host owns it)'
    );
    expect(
      card.querySelector('[data-fact="virtualization"]')!.textContent
    ).toBe('VirtualizationvGPU guest');
    expect(card.querySelector('[data-fact="licence"]')!.textContent).toBe(
      'LicenceLicensed, expires 2022-09-22 06:57 UTC'
    );
    const finding = card.querySelector(
      'li[data-code="vgpu-license-expiring"]'
    )!;
    expect(finding.textContent).toContain(
      'The vGPU licence expires in 0.9 days'
    );
    expect(finding.textContent).toContain('Ask your administrator to renew');
    // No MIG on this GPU.
    expect(card.querySelector('.jp-WorkbenchGpu-mig')).toBeNull();
  });

  it('updates the card in place with each snapshot', () => {
    const model = newModel();
    renderModel(model);
    act(() => model.setSnapshot(H100));
    const card = screen.getByRole('region', {
      name: 'GPU 0: NVIDIA H100 80GB HBM3'
    });
    const firstSlice = card.querySelector('.jp-WorkbenchGpu-mig tbody tr');
    const memoryChart = card.querySelector('[data-series="memory_used_mib"]');
    expect(memoryChart!.getAttribute('data-points')).toBe('1');
    const canvas = memoryChart!.querySelector('.uplot canvas');
    expect(canvas).not.toBeNull();
    // No chart for a metric without data (utilization in MIG mode).
    expect(
      card.querySelector('[data-series="utilization_gpu_percent"] canvas')
    ).toBeNull();

    act(() =>
      model.setSnapshot(
        variant(H100, copy => {
          copy.timestamp += 1;
          copy.gpus[0].memory.used_mib = 20000;
          copy.gpus[0].mig.devices[0].memory_used_mib = 19966;
          copy.gpus[0].health = {
            verdict: 'critical',
            findings: [
              {
                code: 'ecc-uncorrected',
                severity: 'critical',
                message: 'Uncorrected ECC errors',
                advice: 'Stop using this GPU.'
              }
            ]
          };
        })
      )
    );

    // The same nodes, showing the new values.
    expect(
      screen.getByRole('region', { name: 'GPU 0: NVIDIA H100 80GB HBM3' })
    ).toBe(card);
    expect(card.querySelector('.jp-WorkbenchGpu-mig tbody tr')).toBe(
      firstSlice
    );
    expect(card.querySelector('[data-series="memory_used_mib"]')).toBe(
      memoryChart
    );
    expect(metric(card, 'memory').textContent).toBe('20000 / 81559 MiB (25 %)');
    expect(firstSlice!.textContent).toBe('03g.40gb19.5 / 39.5 GiB');
    expect(card.dataset.verdict).toBe('critical');
    expect(within(card).getByText('Critical').dataset.verdict).toBe('critical');
    expect(within(card).getByText('Stop using this GPU.')).toBeTruthy();
    expect(memoryChart!.getAttribute('data-points')).toBe('2');
    // The chart got the new sample without being re-created.
    expect(memoryChart!.querySelectorAll('.uplot')).toHaveLength(1);
    expect(memoryChart!.querySelector('.uplot canvas')).toBe(canvas);
  });

  it('removes the card of a GPU that left the snapshot and shows the empty state', () => {
    const model = newModel();
    renderModel(model);
    act(() => model.setSnapshot(P4));
    expect(screen.getAllByRole('region')).toHaveLength(1);
    act(() =>
      model.setSnapshot({
        ...P4,
        timestamp: P4.timestamp + 1,
        status: 'no-driver',
        message: 'NVIDIA driver not found',
        gpus: []
      })
    );
    expect(screen.queryAllByRole('region')).toHaveLength(0);
    expect(
      screen.getByRole('heading', { name: 'No NVIDIA driver' })
    ).toBeTruthy();
    expect(screen.getByText('NVIDIA driver not found')).toBeTruthy();
  });
});

describe('Replay label', () => {
  it("labels a replayed capture as not this machine's GPU", () => {
    const model = newModel();
    renderModel(model);
    act(() => model.setSnapshot({ ...H100, source: 'replay' }));
    expect(screen.getByRole('note').textContent).toBe(
      "Replay of a saved capture — not this machine's GPU"
    );
  });

  it('names the replayed capture in its tooltip', () => {
    const model = newModel();
    renderModel(model);
    const file = 'linux-x86_64__nvidia-h100-mig__590.48.01.txt';
    act(() =>
      model.setSnapshot({ ...H100, source: 'replay', replay_of: file })
    );
    expect(screen.getByRole('note').getAttribute('title')).toContain(
      `Capture: ${file}`
    );
  });

  it('is absent for live data', () => {
    const model = newModel();
    renderModel(model);
    act(() => model.setSnapshot({ ...H100, source: 'nvml' }));
    expect(screen.queryByRole('note')).toBeNull();
  });
});

describe('Checks', () => {
  it('shows a check’s result lines and its acceleration', async () => {
    let resolve: (check: IGpuCheck) => void = () => undefined;
    const model = new GpuModel({
      client: {
        check: name => {
          expect(name).toBe('opengl');
          return new Promise(r => (resolve = r));
        }
      }
    });
    renderModel(model);
    const button = screen.getByRole('button', {
      name: 'Is my 3D accelerated?'
    });
    const result = document.querySelector(
      '.jp-WorkbenchGpu-checkResult[data-check="opengl"]'
    ) as HTMLElement;
    act(() => button.click());
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(result.textContent).toBe('Running…');
    await act(async () => resolve(OPENGL));
    expect((button as HTMLButtonElement).disabled).toBe(false);
    expect(result.dataset.ok).toBe('true');
    expect(result.dataset.accelerated).toBe('false');
    expect(
      result.querySelector('.jp-WorkbenchGpu-checkSummary')!.textContent
    ).toBe(
      '3D is rendered in software (llvmpipe (LLVM 15.0.6, 256 bits)), not on a GPU'
    );
    expect(result.textContent).toContain(
      'Renderer: llvmpipe (LLVM 15.0.6, 256 bits)'
    );
    expect(result.textContent).toContain('Hardware accelerated: no');
  });

  it('shows why a check could not run', async () => {
    const model = newModel();
    renderModel(model);
    await act(async () => {
      screen.getByRole('button', { name: 'Check CUDA' }).click();
    });
    const result = document.querySelector(
      '.jp-WorkbenchGpu-checkResult[data-check="cuda"]'
    ) as HTMLElement;
    expect(result.dataset.ok).toBe('false');
    expect(result.textContent).toBe('The check failed: no server in this test');
  });
});

describe('GPU status item', () => {
  it('renders the same model as the panel: count, utilization and verdict', () => {
    const model = newModel();
    const item = new GpuStatusItem(model, trans);
    act(() => {
      Widget.attach(item, document.body);
      MessageLoop.flush();
    });
    expect(item.node.textContent).toBe('GPU …');

    act(() => {
      model.setSnapshot(P4);
      MessageLoop.flush();
    });
    // A vGPU guest: its profile, the mode, utilization and memory.
    expect(item.node.textContent).toBe(
      'GRID P4-1Q · vGPU · 0 % util · 79 % mem'
    );
    expect(item.node.dataset.verdict).toBe('degraded');
    expect(item.node.title).toBe(
      'GPU health: Degraded (click for the GPU panel)'
    );

    // MIG mode: no whole-GPU utilization, but the slices and the memory in use.
    act(() => {
      model.setSnapshot(H100);
      MessageLoop.flush();
    });
    expect(item.node.textContent).toBe('H100 · 4 MIG slices · 14 % mem');
    expect(item.node.dataset.verdict).toBe('ok');
    act(() => item.dispose());
  });
});
