import type {
  IGpu,
  IGpuCheck,
  IGpuHistory,
  IGpuSnapshot
} from '@jupyter-workbench/services';

import {
  appendSnapshot,
  chartData,
  chartRange,
  checkLines,
  formatMemory,
  formatValue,
  gpuFacts,
  gpuTitle,
  ITrans,
  meanUtilization,
  notifiableVerdict,
  processRows,
  seriesFromHistory,
  VerdictWatch,
  worstVerdict
} from '../logic';

// Snapshots produced by the server's own parser from REAL captures in server-ext/tests/fixtures/gpu
// (see `_generated_by` in each file); the H100 one is a MIG capture, the P4 a vGPU guest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const P4: IGpuSnapshot = require('./fixtures/tesla_p4.snapshot.json');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const H100: IGpuSnapshot = require('./fixtures/h100-mig.snapshot.json');

/** A translation bundle that only substitutes arguments (like the null translator). */
const substitute = (msgid: string, args: unknown[]) =>
  msgid.replace(/%(\d+)/g, (_, n) => String(args[Number(n) - 1]));
const trans: ITrans = {
  __: (msgid: string, ...args: unknown[]) => substitute(msgid, args),
  _n: (msgid: string, plural: string, n: number, ...args: unknown[]) =>
    substitute(n === 1 ? msgid : plural, args)
};

/** A deep copy of a real GPU with some fields replaced (fault injection). */
function edited(base: IGpu, changes: Partial<IGpu>): IGpu {
  return { ...JSON.parse(JSON.stringify(base)), ...changes };
}

const h100 = H100.gpus[0];
const p4 = P4.gpus[0];

function withVerdict(
  verdict: IGpu['health']['verdict'],
  severity: 'critical' | 'warning' | 'info' = 'warning'
): IGpu {
  return edited(h100, {
    health: {
      verdict,
      findings:
        verdict === 'ok' || verdict === 'unknown'
          ? []
          : [{ code: 'x', severity, message: 'Broken', advice: 'Fix it' }]
    }
  });
}

describe('formatting values and N/A reasons', () => {
  it('formats values with units', () => {
    expect(formatValue(h100, 'power_w', h100.power_w, ' W', 1)).toEqual({
      text: '432.2 W',
      reason: null
    });
  });

  it('shows N/A with the server reason, never a fake zero', () => {
    expect(
      formatValue(
        h100,
        'utilization_gpu_percent',
        h100.utilization_gpu_percent,
        ' %'
      )
    ).toEqual({
      text: 'N/A',
      reason: 'not reported for the whole GPU in MIG mode'
    });
    expect(
      formatValue(p4, 'temperature_c', p4.temperature_c, ' °C').reason
    ).toMatch(/vGPU guest/);
  });

  it('falls back to a generic reason when the server gave none', () => {
    const gpu = edited(h100, { na: {}, temperature_c: null });
    expect(formatValue(gpu, 'temperature_c', null, ' °C')).toEqual({
      text: 'N/A',
      reason: 'not reported'
    });
  });

  it('formats memory with its share', () => {
    expect(formatMemory(h100).text).toBe('11125 / 81559 MiB (14 %)');
    const hidden = edited(h100, {
      memory: { total_mib: 1024, used_mib: null }
    });
    hidden.na['memory.used_mib'] = 'hidden by the driver';
    expect(formatMemory(hidden)).toEqual({
      text: 'N/A / 1024 MiB',
      reason: 'hidden by the driver'
    });
  });

  it('titles a vGPU guest by its profile', () => {
    expect(gpuTitle(p4)).toBe('GPU 0: GRID P4-1Q');
    expect(gpuTitle(h100)).toBe('GPU 0: NVIDIA H100 80GB HBM3');
  });

  it('shows virtualization and the vGPU licence with its expiry (tesla_p4.xml)', () => {
    const facts = Object.fromEntries(
      gpuFacts(p4, trans).map(f => [f.key, f.value.text])
    );
    expect(facts.virtualization).toBe('vGPU guest');
    expect(facts.licence).toBe('Licensed, expires 2022-09-22 06:57 UTC');
    const h100Facts = gpuFacts(h100, trans).map(f => f.key);
    expect(h100Facts).toEqual(['virtualization', 'bus']);
  });

  it('lists processes with N/A memory and the kernel name', () => {
    const rows = processRows(p4);
    expect(rows).toHaveLength(13);
    expect(rows[0]).toEqual({
      pid: '1188',
      name: 'N/A',
      memory: 'N/A',
      memoryShort: 'N/A',
      slice: '',
      sliceShort: '',
      kernel: ''
    });
    const withKernel = edited(h100, {});
    withKernel.processes[0].kernel = { id: 'k1', name: 'python3' };
    expect(processRows(withKernel)[0]).toEqual({
      pid: '21180',
      name: '/root/tools/memhog',
      memory: '2296 MiB',
      memoryShort: '2.2 GiB',
      slice: '3g.40gb · GI 2',
      sliceShort: '3g.40gb',
      kernel: 'python3'
    });
  });

  it('shows check results: summary, renderer and acceleration', () => {
    const check: IGpuCheck = {
      check: 'opengl',
      ok: true,
      accelerated: false,
      renderer: 'llvmpipe (LLVM 15.0.6, 256 bits)',
      summary: 'Software rendering',
      error: null,
      duration_ms: 900
    };
    expect(checkLines(check, trans)).toEqual([
      'Software rendering',
      'Renderer: llvmpipe (LLVM 15.0.6, 256 bits)',
      'Hardware accelerated: no'
    ]);
    expect(
      checkLines(
        { ...check, check: 'cuda', ok: false, error: 'no driver' },
        trans
      )
    ).toEqual(['Software rendering', 'Error: no driver']);
    // An error the summary already says is printed once.
    expect(
      checkLines(
        {
          ...check,
          check: 'cuda',
          ok: false,
          summary: 'No CUDA driver: libcuda.so.1 cannot be loaded — hint',
          error: 'No CUDA driver: libcuda.so.1 cannot be loaded'
        },
        trans
      )
    ).toEqual(['No CUDA driver: libcuda.so.1 cannot be loaded — hint']);
  });

  it('averages the utilization of the GPUs that report one', () => {
    expect(meanUtilization([h100])).toBeNull();
    expect(
      meanUtilization([p4, edited(p4, { utilization_gpu_percent: 51 })])
    ).toBe(26);
  });
});

describe('verdict ordering', () => {
  it('orders critical > degraded > unknown > ok', () => {
    expect(worstVerdict([withVerdict('ok'), withVerdict('degraded')])).toBe(
      'degraded'
    );
    expect(
      worstVerdict([withVerdict('critical'), withVerdict('degraded')])
    ).toBe('critical');
    expect(worstVerdict([withVerdict('unknown'), withVerdict('ok')])).toBe(
      'unknown'
    );
    expect(worstVerdict([])).toBe('unknown');
  });

  it('counts a GPU with only informational findings (application Xids) as ok', () => {
    expect(notifiableVerdict(withVerdict('degraded', 'info'))).toBe('ok');
    expect(notifiableVerdict(p4)).toBe('degraded'); // licence expiring: a warning
  });
});

describe('VerdictWatch (notification debounce)', () => {
  const at = (t: number, gpu: IGpu) => ({ timestamp: t, gpus: [gpu] });

  it('never notifies on the first snapshot', () => {
    const watch = new VerdictWatch(2, 10);
    expect(watch.update(at(0, withVerdict('critical')))).toEqual([]);
    expect(watch.update(at(20, withVerdict('critical')))).toEqual([]);
  });

  it('notifies once a worse verdict persisted for 2 snapshots and 10 s', () => {
    const watch = new VerdictWatch(2, 10);
    watch.update(at(0, withVerdict('ok')));
    expect(watch.update(at(2, withVerdict('degraded')))).toEqual([]);
    expect(watch.update(at(4, withVerdict('degraded')))).toEqual([]); // only 2 s
    const changes = watch.update(at(12, withVerdict('degraded')));
    expect(changes.map(c => [c.from, c.to])).toEqual([['ok', 'degraded']]);
    expect(watch.update(at(14, withVerdict('degraded')))).toEqual([]); // once
    // Worse again: critical is a new worsening.
    watch.update(at(16, withVerdict('critical')));
    expect(
      watch.update(at(26, withVerdict('critical'))).map(c => c.to)
    ).toEqual(['critical']);
  });

  it('ignores a blip that clears before it is confirmed', () => {
    const watch = new VerdictWatch(2, 10);
    watch.update(at(0, withVerdict('ok')));
    watch.update(at(2, withVerdict('critical')));
    expect(watch.update(at(4, withVerdict('ok')))).toEqual([]);
    watch.update(at(14, withVerdict('critical')));
    expect(watch.update(at(16, withVerdict('ok')))).toEqual([]);
  });

  it('does not count the same snapshot twice (stream and poll)', () => {
    const watch = new VerdictWatch(2, 0);
    watch.update(at(0, withVerdict('ok')));
    expect(watch.update(at(10, withVerdict('degraded')))).toEqual([]);
    expect(watch.update(at(10, withVerdict('degraded')))).toEqual([]);
    expect(watch.update(at(12, withVerdict('degraded')))).toHaveLength(1);
  });

  it('never notifies for informational findings (application Xids)', () => {
    const watch = new VerdictWatch(1, 0);
    watch.update(at(0, withVerdict('ok')));
    expect(watch.update(at(2, withVerdict('degraded', 'info')))).toEqual([]);
    expect(watch.update(at(4, withVerdict('critical', 'info')))).toEqual([]);
  });
});

describe('chart series', () => {
  const history: IGpuHistory = {
    window: '1h',
    interval_s: 2,
    gpus: {
      [h100.uuid!]: {
        t: [104, 100, 102],
        utilization_gpu_percent: [null, null, null],
        memory_used_mib: [300, 100, 200],
        temperature_c: [50, 48, 49],
        power_w: [400, 380, null]
      }
    }
  };

  it('builds sorted series from the server history', () => {
    const series = seriesFromHistory(history).get(h100.uuid!)!;
    expect(series.t).toEqual([100, 102, 104]);
    expect(series.values.memory_used_mib).toEqual([100, 200, 300]);
    expect(series.values.power_w).toEqual([380, null, 400]);
    expect(seriesFromHistory(null).size).toBe(0);
  });

  it('appends stream snapshots, skips stale ones and trims to the window', () => {
    const all = seriesFromHistory(history);
    appendSnapshot(all, { ...H100, timestamp: 106 }, 3600);
    appendSnapshot(all, { ...H100, timestamp: 106 }, 3600); // duplicate
    appendSnapshot(all, { ...H100, timestamp: 103 }, 3600); // stale
    const series = all.get(h100.uuid!)!;
    expect(series.t).toEqual([100, 102, 104, 106]);
    expect(series.values.memory_used_mib).toEqual([100, 200, 300, 11125]);
    expect(series.values.utilization_gpu_percent).toEqual([
      null,
      null,
      null,
      null
    ]);
    appendSnapshot(all, { ...H100, timestamp: 3703 }, 3600);
    expect(all.get(h100.uuid!)!.t).toEqual([104, 106, 3703]);
    expect(all.get(h100.uuid!)!.values.temperature_c).toEqual([50, 53, 53]);
  });

  it('creates the series of a GPU first seen in the stream', () => {
    const all = seriesFromHistory(null);
    appendSnapshot(all, P4, 3600);
    expect(all.get(p4.uuid!)!.t).toEqual([P4.timestamp]);
  });

  it('gives uPlot aligned data and counts real points', () => {
    const series = seriesFromHistory(history).get(h100.uuid!);
    expect(chartData(series, 'power_w')).toEqual({
      data: [
        [100, 102, 104],
        [380, null, 400]
      ],
      points: 2
    });
    expect(chartData(series, 'utilization_gpu_percent').points).toBe(0);
    expect(chartData(undefined, 'power_w')).toEqual({
      data: [[], []],
      points: 0
    });
  });

  it('scales to the GPU limits where known', () => {
    expect(chartRange(h100, 'utilization_gpu_percent', [5])).toEqual([0, 100]);
    expect(chartRange(h100, 'memory_used_mib', [11125])).toEqual([0, 81559]);
    expect(chartRange(h100, 'power_w', [432])).toEqual([0, 700]);
    expect(chartRange(h100, 'temperature_c', [50, null])).toEqual([0, 55]);
    expect(chartRange(p4, 'power_w', [null])).toEqual([0, 2]);
  });
});
