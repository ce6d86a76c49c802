/**
 * A uPlot chart of one GPU metric as a React component: the plot is created with the
 * first data and then updated in place (`setData`), never re-created per sample.
 */

import type { IGpu } from '@jupyter-workbench/services';
import * as React from 'react';
import uPlot from 'uplot';

import {
  ChartMetric,
  chartData,
  chartRange,
  formatValue,
  IGpuSeries,
  ITrans,
  metricField,
  metricValue
} from './logic';
import { ShownValue } from './value';

const CHART_HEIGHT = 90;

/**
 * Props of a chart.
 */
export interface IGpuChartProps {
  /** The GPU, as in the latest snapshot (current value, N/A reason, limits). */
  gpu: IGpu;
  /** The charted metric. */
  metric: ChartMetric;
  /** The GPU's series. */
  series: IGpuSeries | undefined;
  /** Translations. */
  trans: ITrans;
}

/**
 * A chart of one metric with its current value, or "N/A" and the reason (or "Waiting
 * for samples…") while the metric has no data.
 */
export function GpuChart(props: IGpuChartProps): JSX.Element {
  const { gpu, metric, series, trans } = props;
  const [label, unit] = Private.labels(trans)[metric];
  const current = formatValue(
    gpu,
    metricField(metric),
    metricValue(gpu, metric),
    unit,
    metric === 'power_w' ? 1 : 0
  );
  const { data, points } = chartData(series, metric);

  const figure = React.useRef<HTMLElement>(null);
  const host = React.useRef<HTMLDivElement>(null);
  const plot = React.useRef<uPlot | null>(null);
  const range = React.useRef<[number, number]>([0, 1]);
  range.current = points ? chartRange(gpu, metric, data[1]) : [0, 1];

  // After every render: create the plot with the first data, then update it in place.
  React.useEffect(() => {
    if (!points) {
      plot.current?.destroy();
      plot.current = null;
    } else if (!plot.current) {
      plot.current = Private.create(
        host.current!,
        Private.width(figure.current!),
        `${label} (${unit.trim()})`,
        data,
        () => range.current
      );
    } else {
      plot.current.setData(data as uPlot.AlignedData);
    }
  });

  // Fit the plot to the card's width; destroy it with the component.
  React.useEffect(() => {
    const node = figure.current!;
    const observer =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() =>
            plot.current?.setSize({
              width: Private.width(node),
              height: CHART_HEIGHT
            })
          );
    observer?.observe(node);
    return () => {
      observer?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  return (
    <figure
      ref={figure}
      className="jp-WorkbenchGpu-chart"
      data-series={metric}
      data-points={points}
    >
      <figcaption>
        <span>{label}</span>
        <ShownValue value={current} />
      </figcaption>
      <div className="jp-WorkbenchGpu-plot">
        {!points && (
          <ShownValue
            value={{
              text: current.reason
                ? trans.__('N/A: %1', current.reason)
                : trans.__('Waiting for samples…'),
              reason: current.reason
            }}
          />
        )}
        {/* uPlot's own node: React renders nothing into it. */}
        <div ref={host} />
      </div>
    </figure>
  );
}

/**
 * Module-private helpers of the chart.
 */
namespace Private {
  /**
   * The label and unit of each metric.
   */
  export function labels(trans: ITrans): Record<ChartMetric, [string, string]> {
    return {
      utilization_gpu_percent: [trans.__('Utilization'), ' %'],
      memory_used_mib: [trans.__('Memory'), ' MiB'],
      temperature_c: [trans.__('Temperature'), ' °C'],
      power_w: [trans.__('Power'), ' W']
    };
  }

  /**
   * The plot's width: the figure's (at least 160 px).
   */
  export function width(node: HTMLElement): number {
    return Math.max(
      160,
      node.clientWidth || node.parentElement?.clientWidth || 260
    );
  }

  /**
   * Create the uPlot chart in `node`, drawn with the theme's colours.
   */
  export function create(
    node: HTMLElement,
    width: number,
    label: string,
    data: [number[], Array<number | null>],
    range: () => [number, number]
  ): uPlot {
    const line = cssVar('--jp-brand-color1', '#1976d2');
    const text = cssVar('--jp-ui-font-color2', '#616161');
    const grid = cssVar('--jp-border-color2', '#e0e0e0');
    const font = `10px ${cssVar('--jp-ui-font-family', 'sans-serif')}`;
    const axis = {
      stroke: text,
      font,
      grid: { stroke: grid, width: 1 },
      ticks: { show: false }
    };
    return new uPlot(
      {
        width,
        height: CHART_HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true },
          y: { range }
        },
        axes: [
          {
            ...axis,
            size: 20,
            space: 60,
            values: (_u, ticks) => ticks.map(t => timeLabel(t, ticks))
          },
          {
            ...axis,
            size: 36,
            space: 20,
            values: (_u, ticks) => ticks.map(compactNumber)
          }
        ],
        series: [
          {},
          {
            label,
            stroke: line,
            width: 1.5,
            fill: translucent(line),
            points: { show: false },
            spanGaps: false
          }
        ]
      },
      data as uPlot.AlignedData,
      node
    );
  }

  /**
   * A CSS variable's value on the page (uPlot draws on a canvas).
   */
  export function cssVar(name: string, fallback: string): string {
    const value = getComputedStyle(document.body).getPropertyValue(name).trim();
    return value || fallback;
  }

  /**
   * A time tick: `HH:MM`, or `HH:MM:SS` when the ticks are less than a minute apart.
   */
  export function timeLabel(seconds: number, ticks: number[]): string {
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : 60;
    const text = new Date(seconds * 1000).toTimeString();
    return step < 60 ? text.slice(0, 8) : text.slice(0, 5);
  }

  /**
   * A value tick: `81k` for thousands.
   */
  export function compactNumber(value: number): string {
    return Math.abs(value) >= 1000
      ? `${Math.round(value / 100) / 10}k`
      : `${value}`;
  }

  /**
   * A colour with 20 % opacity (hex colours; others unchanged).
   */
  export function translucent(color: string): string {
    return /^#[0-9a-f]{6}$/i.test(color) ? `${color}33` : color;
  }
}
