/**
 * The GPU side panel (imported lazily, the first time the panel is shown).
 */

import type {
  GpuClient,
  GpuHistoryWindow,
  IGpu,
  IGpuSnapshot
} from '@jupyter-workbench/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import {
  appendSnapshot,
  CHART_METRICS,
  ChartMetric,
  chartData,
  chartRange,
  checkLines,
  formatMemory,
  formatValue,
  gpuFacts,
  gpuTitle,
  IGpuSeries,
  IShownValue,
  metricField,
  metricValue,
  processRows,
  seriesFromHistory,
  verdictLabel,
  windowSeconds
} from './logic';
import { GpuStream, StreamState } from './stream';

const CHART_HEIGHT = 90;

/**
 * The GPU side panel: one card per GPU (title, virtualization, licence, health badge with
 * findings and advice, metrics with N/A reasons, MIG slices, live charts of the server's
 * history plus the stream, processes), the CUDA and OpenGL checks, and an empty state
 * without a GPU. The stream is open only while the panel is visible.
 */
export class GpuPanel extends Widget {
  /**
   * Create the panel.
   */
  constructor(options: GpuPanel.IOptions) {
    super();
    this.addClass('jp-WorkbenchGpu');
    this._client = options.client;
    this._trans = options.trans;
    this._window = options.window ?? '1h';
    this._stream = new GpuStream({
      url: () => this._client.streamUrl(),
      onSnapshot: snapshot => this._receive(snapshot),
      onState: state => this._showStreamState(state)
    });
    const trans = this._trans;
    this._header.className = 'jp-WorkbenchGpu-header';
    this._streamNote.className = 'jp-WorkbenchGpu-streamState';
    this._notice.className = 'jp-WorkbenchGpu-notice';
    this._notice.hidden = true;
    this._empty.className = 'jp-WorkbenchGpu-empty';
    this._empty.hidden = true;
    this._cardsNode.className = 'jp-WorkbenchGpu-cards';
    this._cardsNode.textContent = trans.__('Loading GPU status…');
    this.node.append(
      this._header,
      this._streamNote,
      this._notice,
      this._empty,
      this._cardsNode,
      this._checks()
    );
    this._showStreamState('paused');
  }

  /** Emitted with every snapshot received. */
  get snapshotReceived(): ISignal<this, IGpuSnapshot> {
    return this._snapshotReceived;
  }

  /** The last snapshot. */
  get snapshot(): IGpuSnapshot | null {
    return this._snapshot;
  }

  /** The stream's state. */
  get streamState(): StreamState {
    return this._stream.state;
  }

  /**
   * Change the charts' history window (reloads the history while visible).
   */
  setWindow(window: GpuHistoryWindow): void {
    if (window === this._window) {
      return;
    }
    this._window = window;
    if (this._wanted) {
      void this._loadHistory();
    }
  }

  /**
   * Dispose the panel and close its stream.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._wanted = false;
    this._stream.close();
    for (const card of this._cards.values()) {
      card.dispose();
    }
    this._cards.clear();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._open();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._open(); // added to an already visible side panel
    }
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._wanted = false;
    this._stream.close();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    for (const card of this._cards.values()) {
      card.resize();
    }
  }

  private _open(): void {
    if (this._wanted) {
      return;
    }
    this._wanted = true;
    // The history first (charts start full), then the stream appends to it.
    void this._loadHistory().then(() => {
      if (this._wanted) {
        this._stream.open();
      }
    });
  }

  private async _loadHistory(): Promise<void> {
    try {
      const history = await this._client.history(this._window);
      const series = seriesFromHistory(history);
      // Samples the stream delivered while the history was loading.
      if (this._snapshot) {
        appendSnapshot(series, this._snapshot, windowSeconds(this._window));
      }
      this._series = series;
    } catch (error) {
      console.warn('GPU history unavailable', error);
    }
    if (this._snapshot) {
      this._render();
    }
  }

  private _receive(snapshot: IGpuSnapshot): void {
    this._snapshot = snapshot;
    appendSnapshot(this._series, snapshot, windowSeconds(this._window));
    this._render();
    this._snapshotReceived.emit(snapshot);
  }

  private _render(): void {
    const snapshot = this._snapshot!;
    const trans = this._trans;
    this._header.textContent = trans.__(
      'Driver %1 · CUDA %2 · source: %3',
      snapshot.driver_version ?? 'N/A',
      snapshot.cuda_version ?? 'N/A',
      snapshot.source
    );
    this.node.dataset.status = snapshot.status;
    const stalled = snapshot.stalled || snapshot.status === 'error';
    this._notice.hidden = !(
      stalled &&
      snapshot.message &&
      snapshot.gpus.length
    );
    this._notice.textContent = snapshot.message ?? '';

    if (!snapshot.gpus.length) {
      this._empty.hidden = false;
      this._empty.replaceChildren(
        Private.element(
          'h3',
          'jp-WorkbenchGpu-emptyTitle',
          snapshot.status === 'no-driver'
            ? trans.__('No NVIDIA driver')
            : snapshot.status === 'error'
              ? trans.__('GPU status unavailable')
              : trans.__('No GPU visible to this session')
        ),
        Private.element(
          'p',
          'jp-WorkbenchGpu-emptyMessage',
          snapshot.message ?? ''
        ),
        Private.element(
          'p',
          'jp-WorkbenchGpu-emptyHint',
          trans.__(
            'Desktops and 3D apps use software rendering (llvmpipe). Ask your administrator for a GPU profile to get hardware acceleration.'
          )
        )
      );
    } else {
      this._empty.hidden = true;
    }

    if (!this._cards.size) {
      this._cardsNode.textContent = '';
    }
    const seen = new Set<string>();
    for (const gpu of snapshot.gpus) {
      const key = gpu.uuid ?? String(gpu.index);
      seen.add(key);
      let card = this._cards.get(key);
      if (!card) {
        card = new Private.GpuCard(trans);
        this._cards.set(key, card);
        this._cardsNode.appendChild(card.node);
      }
      card.update(gpu, this._series.get(key));
    }
    for (const [key, card] of this._cards) {
      if (!seen.has(key)) {
        card.dispose();
        this._cards.delete(key);
      }
    }
  }

  private _showStreamState(state: StreamState): void {
    const trans = this._trans;
    this.node.dataset.stream = state;
    this._streamNote.textContent = {
      open: trans.__('Live'),
      connecting: trans.__('Connecting…'),
      reconnecting: trans.__(
        'Connection lost, reconnecting (attempt %1)…',
        this._stream?.attempts ?? 0
      ),
      paused: trans.__('Paused')
    }[state];
  }

  private _checks(): HTMLElement {
    const trans = this._trans;
    const box = Private.element('section', 'jp-WorkbenchGpu-checks');
    box.appendChild(
      Private.element('h3', 'jp-WorkbenchGpu-subtitle', trans.__('Checks'))
    );
    for (const [name, label, title] of [
      [
        'cuda',
        trans.__('Check CUDA'),
        trans.__('Allocate, copy and run on the GPU with the CUDA driver')
      ],
      [
        'opengl',
        trans.__('Is my 3D accelerated?'),
        trans.__(
          'Ask the desktop (or a throwaway X server) for its OpenGL renderer'
        )
      ]
    ] as const) {
      const row = Private.element('div', 'jp-WorkbenchGpu-check');
      const button = Private.element(
        'button',
        'jp-Button jp-mod-styled jp-mod-accept',
        label
      ) as HTMLButtonElement;
      button.title = title;
      button.dataset.check = name;
      const result = Private.element('div', 'jp-WorkbenchGpu-checkResult');
      result.dataset.check = name;
      button.addEventListener('click', async () => {
        button.disabled = true;
        result.dataset.ok = '';
        result.textContent = trans.__('Running…');
        try {
          const check = await this._client.check(name);
          result.dataset.ok = String(check.ok);
          result.replaceChildren(
            ...checkLines(check, trans).map((line, i) =>
              Private.element(
                'div',
                i ? '' : 'jp-WorkbenchGpu-checkSummary',
                line
              )
            )
          );
          if (check.check === 'opengl') {
            result.dataset.accelerated = String(check.accelerated);
          }
        } catch (error) {
          result.dataset.ok = 'false';
          result.textContent = trans.__(
            'The check failed: %1',
            (error as Error).message ?? String(error)
          );
        } finally {
          button.disabled = false;
        }
      });
      row.append(button, result);
      box.appendChild(row);
    }
    return box;
  }

  private _cards = new Map<string, Private.GpuCard>();
  private _cardsNode = document.createElement('div');
  private _client: GpuClient;
  private _empty = document.createElement('div');
  private _header = document.createElement('div');
  private _notice = document.createElement('div');
  private _series = new Map<string, IGpuSeries>();
  private _snapshot: IGpuSnapshot | null = null;
  private _snapshotReceived = new Signal<this, IGpuSnapshot>(this);
  private _stream: GpuStream;
  private _streamNote = document.createElement('div');
  private _trans: TranslationBundle;
  private _wanted = false;
  private _window: GpuHistoryWindow;
}

/**
 * The panel's types.
 */
export namespace GpuPanel {
  /**
   * Options of the panel.
   */
  export interface IOptions {
    /** The GPU client. */
    client: GpuClient;
    /** Translations. */
    trans: TranslationBundle;
    /** History window of the charts. */
    window?: GpuHistoryWindow;
  }
}

/**
 * Module-private parts of the panel.
 */
namespace Private {
  /**
   * Create an element with a class and text.
   */
  export function element(tag: string, className = '', text = ''): HTMLElement {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  /**
   * A value, shown as "N/A" with its reason as tooltip when missing.
   */
  export function value(shown: IShownValue): HTMLElement {
    const node = element(
      'span',
      shown.reason ? 'jp-WorkbenchGpu-na' : 'jp-WorkbenchGpu-value',
      shown.text
    );
    if (shown.reason) {
      node.title = shown.reason;
    }
    return node;
  }

  /**
   * A CSS variable's value on the page (uPlot draws on a canvas).
   */
  export function cssVar(name: string, fallback: string): string {
    const value = getComputedStyle(document.body).getPropertyValue(name).trim();
    return value || fallback;
  }

  /**
   * One GPU's card; updated in place with each snapshot (charts keep their canvas).
   */
  export class GpuCard {
    /**
     * Create an empty card.
     */
    constructor(private trans: TranslationBundle) {
      this.node.className = 'jp-WorkbenchGpu-card';
      const title = element('div', 'jp-WorkbenchGpu-title');
      title.append(this._name, this._badge);
      this._name.className = 'jp-WorkbenchGpu-name';
      this._badge.className = 'jp-WorkbenchGpu-badge';
      this._facts.className = 'jp-WorkbenchGpu-facts';
      this._findings.className = 'jp-WorkbenchGpu-findings';
      this._metrics.className = 'jp-WorkbenchGpu-metrics';
      this._mig.className = 'jp-WorkbenchGpu-migBox';
      this._charts.className = 'jp-WorkbenchGpu-charts';
      this._processes.className = 'jp-WorkbenchGpu-processBox';
      this.node.append(
        title,
        this._facts,
        this._findings,
        this._metrics,
        this._mig,
        this._charts,
        this._processes
      );
      for (const metric of CHART_METRICS) {
        const chart = new Chart(metric, trans);
        this._chartViews.push(chart);
        this._charts.appendChild(chart.node);
      }
    }

    /** The card's node. */
    readonly node = document.createElement('section');

    /**
     * Show a GPU's state and its series.
     */
    update(gpu: IGpu, series: IGpuSeries | undefined): void {
      const trans = this.trans;
      this.node.dataset.verdict = gpu.health.verdict;
      this.node.dataset.uuid = gpu.uuid ?? '';
      this._name.textContent = gpuTitle(gpu);
      this._name.title = gpu.name ?? '';
      this._badge.dataset.verdict = gpu.health.verdict;
      this._badge.textContent = verdictLabel(gpu.health.verdict, trans);

      this._facts.replaceChildren(
        ...gpuFacts(gpu, trans).map(fact => {
          const row = element('div', 'jp-WorkbenchGpu-fact');
          row.dataset.fact = fact.key;
          row.append(element('span', '', fact.label), value(fact.value));
          return row;
        })
      );

      this._findings.replaceChildren(
        ...gpu.health.findings.map(finding => {
          const item = element('li');
          item.dataset.severity = finding.severity;
          item.dataset.code = finding.code;
          item.append(
            element('div', 'jp-WorkbenchGpu-findingMessage', finding.message),
            element('div', 'jp-WorkbenchGpu-findingAdvice', finding.advice)
          );
          return item;
        })
      );

      const metrics: Array<[string, IShownValue]> = [
        [
          trans.__('Utilization'),
          formatValue(
            gpu,
            'utilization_gpu_percent',
            gpu.utilization_gpu_percent,
            ' %'
          )
        ],
        [trans.__('Memory'), formatMemory(gpu)],
        [
          trans.__('Temperature'),
          formatValue(gpu, 'temperature_c', gpu.temperature_c, ' °C')
        ],
        [
          trans.__('Power'),
          gpu.power_w !== null && gpu.power_limit_w !== null
            ? {
                text: `${gpu.power_w.toFixed(1)} / ${gpu.power_limit_w.toFixed(0)} W`,
                reason: null
              }
            : formatValue(gpu, 'power_w', gpu.power_w, ' W', 1)
        ],
        [
          trans.__('SM clock'),
          formatValue(gpu, 'clocks.sm_mhz', gpu.clocks.sm_mhz, ' MHz')
        ]
      ];
      this._metrics.replaceChildren(
        ...metrics.map(([label, shown]) => {
          const row = element('div', 'jp-WorkbenchGpu-metric');
          row.append(element('span', '', label), value(shown));
          return row;
        })
      );

      if (gpu.mig?.enabled) {
        const table = element(
          'table',
          'jp-WorkbenchGpu-mig'
        ) as HTMLTableElement;
        const head = table.createTHead().insertRow();
        for (const label of [
          trans.__('Slice'),
          trans.__('Profile'),
          trans.__('Memory')
        ]) {
          head.appendChild(element('th', '', label));
        }
        const body = table.createTBody();
        for (const device of gpu.mig.devices) {
          const row = body.insertRow();
          row.insertCell().textContent = String(device.index);
          row.insertCell().textContent = device.profile ?? 'N/A';
          row.insertCell().textContent = `${device.memory_used_mib ?? 'N/A'} / ${
            device.memory_total_mib ?? 'N/A'
          } MiB`;
        }
        this._mig.replaceChildren(
          element(
            'h4',
            'jp-WorkbenchGpu-subtitle',
            trans.__('MIG slices (%1)', gpu.mig.devices.length)
          ),
          table
        );
      } else {
        this._mig.replaceChildren();
      }

      for (const chart of this._chartViews) {
        chart.update(gpu, series);
      }

      const rows = processRows(gpu);
      const table = element(
        'table',
        'jp-WorkbenchGpu-processes'
      ) as HTMLTableElement;
      const head = table.createTHead().insertRow();
      const kernels = rows.some(proc => proc.kernel);
      const labels = [trans.__('PID'), trans.__('Process'), trans.__('Memory')];
      if (kernels) {
        labels.push(trans.__('Kernel'));
      }
      for (const label of labels) {
        head.appendChild(element('th', '', label));
      }
      const body = table.createTBody();
      for (const proc of rows) {
        const row = body.insertRow();
        const cells = [proc.pid, proc.name, proc.memory];
        if (kernels) {
          cells.push(proc.kernel);
        }
        for (const text of cells) {
          const cell = row.insertCell();
          cell.textContent = text;
          cell.title = text;
        }
      }
      this._processes.replaceChildren(
        element(
          'h4',
          'jp-WorkbenchGpu-subtitle',
          trans.__('Processes (%1)', rows.length)
        ),
        rows.length
          ? table
          : element(
              'div',
              'jp-WorkbenchGpu-none',
              trans.__('No process is using this GPU.')
            )
      );
    }

    /**
     * Fit the charts to the card's width.
     */
    resize(): void {
      for (const chart of this._chartViews) {
        chart.resize();
      }
    }

    /**
     * Destroy the charts and remove the card.
     */
    dispose(): void {
      for (const chart of this._chartViews) {
        chart.dispose();
      }
      this.node.remove();
    }

    private _badge = document.createElement('span');
    private _charts = document.createElement('div');
    private _chartViews: Chart[] = [];
    private _facts = document.createElement('div');
    private _findings = document.createElement('ul');
    private _metrics = document.createElement('div');
    private _mig = document.createElement('div');
    private _name = document.createElement('span');
    private _processes = document.createElement('div');
  }

  /**
   * A uPlot chart of one metric, or "N/A" with the reason while the metric has no data.
   */
  export class Chart {
    /**
     * Create the chart's frame (uPlot is created with the first data).
     */
    constructor(
      readonly metric: ChartMetric,
      private trans: TranslationBundle
    ) {
      this.node.className = 'jp-WorkbenchGpu-chart';
      this.node.dataset.series = metric;
      this.node.dataset.points = '0';
      this._plotNode.className = 'jp-WorkbenchGpu-plot';
      this.node.append(this._caption, this._plotNode);
    }

    /** The chart's node. */
    readonly node = document.createElement('figure');

    /**
     * Show the GPU's series of this metric.
     */
    update(gpu: IGpu, series: IGpuSeries | undefined): void {
      const trans = this.trans;
      const labels: Record<ChartMetric, [string, string]> = {
        utilization_gpu_percent: [trans.__('Utilization'), ' %'],
        memory_used_mib: [trans.__('Memory'), ' MiB'],
        temperature_c: [trans.__('Temperature'), ' °C'],
        power_w: [trans.__('Power'), ' W']
      };
      const [label, unit] = labels[this.metric];
      const current = formatValue(
        gpu,
        metricField(this.metric),
        metricValue(gpu, this.metric),
        unit,
        this.metric === 'power_w' ? 1 : 0
      );
      this._caption.replaceChildren(element('span', '', label), value(current));

      const { data, points } = chartData(series, this.metric);
      this.node.dataset.points = String(points);
      if (!points) {
        this._destroyPlot();
        this._plotNode.replaceChildren(
          value({
            text: current.reason
              ? trans.__('N/A: %1', current.reason)
              : trans.__('Waiting for samples…'),
            reason: current.reason
          })
        );
        return;
      }
      this._range = chartRange(gpu, this.metric, data[1]);
      if (!this._plot) {
        this._plotNode.replaceChildren();
        this._plot = this._create(label, unit, data);
      } else {
        this._plot.setData(data as uPlot.AlignedData);
      }
    }

    /**
     * Fit the chart to its box.
     */
    resize(): void {
      if (this._plot) {
        this._plot.setSize({ width: this._width(), height: CHART_HEIGHT });
      }
    }

    /**
     * Destroy the chart.
     */
    dispose(): void {
      this._destroyPlot();
    }

    private _create(
      label: string,
      unit: string,
      data: [number[], Array<number | null>]
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
          width: this._width(),
          height: CHART_HEIGHT,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          scales: {
            x: { time: true },
            y: { range: () => this._range }
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
              label: `${label} (${unit.trim()})`,
              stroke: line,
              width: 1.5,
              fill: Private.translucent(line),
              points: { show: false },
              spanGaps: false
            }
          ]
        },
        data as uPlot.AlignedData,
        this._plotNode
      );
    }

    private _width(): number {
      return Math.max(
        160,
        this.node.clientWidth || this.node.parentElement?.clientWidth || 260
      );
    }

    private _destroyPlot(): void {
      this._plot?.destroy();
      this._plot = null;
    }

    private _caption = document.createElement('figcaption');
    private _plot: uPlot | null = null;
    private _plotNode = document.createElement('div');
    private _range: [number, number] = [0, 1];
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
