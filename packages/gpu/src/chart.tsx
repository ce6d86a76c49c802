/**
 * A uPlot chart of one GPU metric as a React component: the plot is created with the
 * first data and then updated in place (`setData`), never re-created per sample.
 */

import type { IGpu } from '@jupyter-workbench/services';
import * as React from 'react';
import uPlot from 'uplot';

import {
  ChartMetric,
  chartColumns,
  chartData,
  chartRange,
  chartTicks,
  formatValue,
  IGpuSeries,
  ITrans,
  metricField,
  metricValue,
  SeriesColumn
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
  /** The theme counter (`GpuModel.theme`): the plot is redrawn when it changes. */
  theme?: number;
  /** Translations. */
  trans: ITrans;
}

/**
 * A chart of one metric with its current value, or "N/A" and the reason (or "Waiting
 * for samples…") while the metric has no data. The y axis runs from 0 to the GPU's
 * limit (100 %, total memory, power limit); hovering shows the time and values there.
 */
export function GpuChart(props: IGpuChartProps): JSX.Element {
  const { gpu, metric, series, trans } = props;
  const theme = props.theme ?? 0;
  const labels = Private.labels(trans);
  const [label, unit] = labels[metric];
  const current = formatValue(
    gpu,
    metricField(metric),
    metricValue(gpu, metric),
    unit,
    metric === 'power_w' ? 1 : 0
  );
  const { data, points } = chartData(series, metric);
  const columns = chartColumns(metric);

  const figure = React.useRef<HTMLElement>(null);
  const host = React.useRef<HTMLDivElement>(null);
  const plot = React.useRef<uPlot | null>(null);
  const plotTheme = React.useRef(theme);
  const range = React.useRef<[number, number]>([0, 1]);
  range.current = points ? chartRange(gpu, metric, ...data.slice(1)) : [0, 1];
  // The sample under the mouse (its index in `data`), `null` when not hovering.
  const [hover, setHover] = React.useState<number | null>(null);

  // After every render: create the plot with the first data (again after a theme
  // change: its colours are drawn on a canvas), then update it in place.
  React.useEffect(() => {
    if (plot.current && (!points || plotTheme.current !== theme)) {
      plot.current.destroy();
      plot.current = null;
      setHover(null);
    }
    if (!points) {
      return;
    }
    figure.current!.dataset.yMax = String(range.current[1]);
    if (!plot.current) {
      plotTheme.current = theme;
      const colors = Private.colors();
      figure.current!.dataset.axisColor = colors.text;
      plot.current = Private.create({
        node: host.current!,
        width: Private.width(figure.current!),
        series: columns.map(column => Private.seriesLabel(column, labels)),
        data,
        range: () => range.current,
        colors,
        onCursor: setHover
      });
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

  const hovered =
    hover !== null && points && hover < data[0].length
      ? Private.hoverText(data, hover, columns, labels, trans)
      : null;

  return (
    <figure
      ref={figure}
      className="jp-WorkbenchGpu-chart"
      data-series={metric}
      data-points={points}
    >
      <figcaption>
        <span>{label}</span>
        {hovered !== null ? (
          <span className="jp-WorkbenchGpu-hover" aria-live="off">
            {hovered}
          </span>
        ) : (
          <ShownValue value={current} />
        )}
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
   * The label and unit of each series column.
   */
  export function labels(
    trans: ITrans
  ): Record<SeriesColumn, [string, string]> {
    return {
      utilization_gpu_percent: [trans.__('Utilization'), ' %'],
      utilization_memory_percent: [trans.__('Memory copy'), ' %'],
      memory_used_mib: [trans.__('Memory'), ' MiB'],
      temperature_c: [trans.__('Temperature'), ' °C'],
      power_w: [trans.__('Power'), ' W']
    };
  }

  /**
   * The legend label of a drawn series.
   */
  export function seriesLabel(
    column: SeriesColumn,
    labels: Record<SeriesColumn, [string, string]>
  ): string {
    const [label, unit] = labels[column];
    return `${label} (${unit.trim()})`;
  }

  /**
   * The hover text of sample `index`: its time and each drawn series' value there.
   */
  export function hoverText(
    data: [number[], ...Array<Array<number | null>>],
    index: number,
    columns: SeriesColumn[],
    labels: Record<SeriesColumn, [string, string]>,
    trans: ITrans
  ): string {
    const time = new Date(data[0][index] * 1000).toTimeString().slice(0, 8);
    const values = columns.map((column, i) => {
      const value = data[i + 1][index];
      const [label, unit] = labels[column];
      const text =
        value === null || value === undefined
          ? 'N/A'
          : `${Number.isInteger(value) ? value : value.toFixed(1)}${unit}`;
      return columns.length > 1 ? `${label} ${text}` : text;
    });
    return trans.__('%1: %2', time, values.join(' · '));
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
   * The theme's colours for a plot, read from JupyterLab's CSS variables now.
   */
  export interface IColors {
    /** Series strokes, in drawing order. */
    lines: string[];
    /** Axis labels. */
    text: string;
    /** Grid lines. */
    grid: string;
    /** Axis font. */
    font: string;
  }

  /**
   * Read the theme's colours (uPlot draws on a canvas: CSS does not reach it).
   */
  export function colors(): IColors {
    return {
      lines: [
        cssVar('--jp-brand-color1', '#1976d2'),
        cssVar('--jp-warn-color0', '#e65100')
      ],
      text: cssVar('--jp-ui-font-color1', '#212121'),
      grid: cssVar('--jp-border-color2', '#e0e0e0'),
      font: `10px ${cssVar('--jp-ui-font-family', 'sans-serif')}`
    };
  }

  /**
   * Options of a new plot.
   */
  export interface ICreateOptions {
    node: HTMLElement;
    width: number;
    series: string[];
    data: [number[], ...Array<Array<number | null>>];
    range: () => [number, number];
    colors: IColors;
    onCursor: (index: number | null) => void;
  }

  /**
   * Create the uPlot chart, drawn with the theme's colours, its y axis ticked at 0,
   * the middle and the top of its range (the GPU's limit).
   */
  export function create(options: ICreateOptions): uPlot {
    const { colors } = options;
    const axis = {
      stroke: colors.text,
      font: colors.font,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { show: false }
    };
    return new uPlot(
      {
        width: options.width,
        height: CHART_HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true },
          y: { range: () => options.range() }
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
            size: 38,
            splits: (_u, _axis, min, max) => chartTicks([min, max]),
            values: (_u, ticks) => ticks.map(compactNumber)
          }
        ],
        series: [
          {},
          ...options.series.map((label, i) => {
            const stroke = colors.lines[i % colors.lines.length];
            return {
              label,
              stroke,
              width: 1.5,
              fill: i ? undefined : translucent(stroke),
              points: { show: false },
              spanGaps: false
            };
          })
        ],
        hooks: {
          setCursor: [
            (u: uPlot) => {
              const index = u.cursor.idx;
              options.onCursor(
                index === null || index === undefined ? null : index
              );
            }
          ]
        }
      },
      options.data as uPlot.AlignedData,
      options.node
    );
  }

  /**
   * A CSS variable's value on the page.
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
   * A value tick: `81.6k` for thousands, whole numbers below (one decimal below 10).
   */
  export function compactNumber(value: number): string {
    if (Math.abs(value) >= 1000) {
      return `${Math.round(value / 100) / 10}k`;
    }
    return Math.abs(value) >= 10 || Number.isInteger(value)
      ? `${Math.round(value)}`
      : value.toFixed(1);
  }

  /**
   * A colour with 20 % opacity (hex colours; others unchanged).
   */
  export function translucent(color: string): string {
    return /^#[0-9a-f]{6}$/i.test(color) ? `${color}33` : color;
  }
}
