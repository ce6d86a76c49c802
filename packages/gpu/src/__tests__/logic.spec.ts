import type { IGpu } from '@jupyter-workbench/services';

import {
  formatValue,
  sparklinePath,
  VerdictWatch,
  worstVerdict
} from '../logic';

function gpu(
  verdict: IGpu['health']['verdict'],
  severity = 'warning',
  extra = {}
): IGpu {
  return {
    index: 0,
    uuid: 'GPU-1',
    name: 'NVIDIA H200',
    na: { temperature_c: 'not meaningful in a vGPU guest' },
    health: {
      verdict,
      findings:
        verdict === 'ok'
          ? []
          : [{ code: 'x', severity, message: 'm', advice: 'a' } as any]
    },
    ...extra
  } as unknown as IGpu;
}

describe('formatValue', () => {
  it('formats values with units', () => {
    expect(formatValue(gpu('ok'), 'power_w', 627.4, ' W', 1)).toEqual({
      text: '627.4 W',
      reason: null
    });
  });

  it('gives N/A with the server reason instead of a fake zero', () => {
    expect(formatValue(gpu('ok'), 'temperature_c', null, ' °C')).toEqual({
      text: 'N/A',
      reason: 'not meaningful in a vGPU guest'
    });
  });
});

describe('worstVerdict', () => {
  it('orders critical > degraded > unknown > ok', () => {
    expect(worstVerdict([gpu('ok'), gpu('degraded')])).toBe('degraded');
    expect(worstVerdict([gpu('critical'), gpu('degraded')])).toBe('critical');
    expect(worstVerdict([])).toBe('unknown');
  });
});

describe('VerdictWatch', () => {
  it('never notifies on the first snapshot', () => {
    const watch = new VerdictWatch(2);
    expect(watch.update([gpu('critical')])).toEqual([]);
  });

  it('notifies once a worse verdict is confirmed', () => {
    const watch = new VerdictWatch(2);
    watch.update([gpu('ok')]);
    expect(watch.update([gpu('degraded')])).toEqual([]);
    const changes = watch.update([gpu('degraded')]);
    expect(changes.map(c => [c.from, c.to])).toEqual([['ok', 'degraded']]);
    expect(watch.update([gpu('degraded')])).toEqual([]);
  });

  it('ignores a blip that clears before it is confirmed', () => {
    const watch = new VerdictWatch(2);
    watch.update([gpu('ok')]);
    watch.update([gpu('critical')]);
    expect(watch.update([gpu('ok')])).toEqual([]);
    expect(watch.update([gpu('critical')])).toEqual([]);
  });

  it('never notifies for informational findings (application Xids)', () => {
    const watch = new VerdictWatch(1);
    watch.update([gpu('ok')]);
    expect(watch.update([gpu('degraded', 'info')])).toEqual([]);
  });
});

describe('sparklinePath', () => {
  it('draws and breaks on nulls', () => {
    expect(sparklinePath([0, 50, null, 100], 30, 10, 100)).toBe(
      'M0.0,10.0L10.0,5.0M30.0,0.0'
    );
    expect(sparklinePath([null, null], 30, 10)).toBe('');
  });
});
