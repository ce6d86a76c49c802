import {
  GpuClient,
  IGpu,
  IGpuHistory,
  IGpuSnapshot
} from '@jupyter-workbench/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { formatValue, sparklinePath } from './logic';

const CHART_W = 240;
const CHART_H = 36;
const SERIES: Array<{
  key: keyof IGpuHistory['gpus'][string];
  label: string;
  unit: string;
}> = [
  { key: 'utilization_gpu_percent', label: 'Utilization', unit: '%' },
  { key: 'memory_used_mib', label: 'Memory', unit: 'MiB' },
  { key: 'temperature_c', label: 'Temperature', unit: '°C' },
  { key: 'power_w', label: 'Power', unit: 'W' }
];

/**
 * The GPU side panel: one card per GPU with health, live charts (server history plus
 * the stream), processes and the CUDA/OpenGL checks; an empty state without a GPU.
 * The stream is open only while the panel is visible.
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
    this._body = document.createElement('div');
    this._body.className = 'jp-WorkbenchGpu-body';
    this.node.appendChild(this._body);
    this._body.textContent = this._trans.__('Loading GPU status…');
  }

  /** Emitted with every snapshot received. */
  get snapshotReceived(): ISignal<this, IGpuSnapshot> {
    return this._snapshotReceived;
  }

  /** The last snapshot. */
  get snapshot(): IGpuSnapshot | null {
    return this._snapshot;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this._open();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      void this._open(); // added to an already visible side panel
    }
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._close();
  }

  dispose(): void {
    this._close();
    super.dispose();
  }

  private async _open(): Promise<void> {
    if (this._wanted) {
      return;
    }
    this._wanted = true;
    try {
      this._history = await this._client.history(this._window);
    } catch {
      this._history = null;
    }
    this._connect();
  }

  private _connect(): void {
    if (!this._wanted || this._socket) {
      return;
    }
    const token = this._client.workbench.serverSettings.token;
    const url =
      this._client.streamUrl() +
      (token ? `?token=${encodeURIComponent(token)}` : '');
    const socket = new WebSocket(url);
    this._socket = socket;
    socket.onmessage = event => {
      this._retries = 0;
      const message = JSON.parse(event.data);
      if (message.type === 'snapshot') {
        this._receive(message.data as IGpuSnapshot);
      }
    };
    socket.onclose = () => {
      this._socket = null;
      if (this._wanted) {
        // Reconnect with backoff after a network loss.
        this._retries += 1;
        const delay = Math.min(30000, 500 * 2 ** this._retries);
        this._retryTimer = window.setTimeout(() => this._connect(), delay);
        this.node.dataset.stream = 'reconnecting';
      }
    };
    socket.onopen = () => {
      this.node.dataset.stream = 'open';
    };
  }

  private _close(): void {
    this._wanted = false;
    if (this._retryTimer !== null) {
      window.clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
    this._socket?.close();
    this._socket = null;
    this.node.dataset.stream = 'paused';
  }

  private _receive(snapshot: IGpuSnapshot): void {
    this._snapshot = snapshot;
    if (this._history) {
      for (const gpu of snapshot.gpus) {
        const key = gpu.uuid ?? String(gpu.index);
        const series = (this._history.gpus[key] ??= {
          t: [],
          utilization_gpu_percent: [],
          memory_used_mib: [],
          temperature_c: [],
          power_w: []
        });
        if (series.t[series.t.length - 1] !== snapshot.timestamp) {
          series.t.push(snapshot.timestamp);
          series.utilization_gpu_percent.push(gpu.utilization_gpu_percent);
          series.memory_used_mib.push(gpu.memory.used_mib);
          series.temperature_c.push(gpu.temperature_c);
          series.power_w.push(gpu.power_w);
          if (series.t.length > 1800) {
            for (const column of Object.values(series)) {
              (column as unknown[]).shift();
            }
          }
        }
      }
    }
    this._render();
    this._snapshotReceived.emit(snapshot);
  }

  private _render(): void {
    const snapshot = this._snapshot;
    const trans = this._trans;
    if (!snapshot) {
      return;
    }
    const body = document.createElement('div');
    body.className = 'jp-WorkbenchGpu-body';
    const header = document.createElement('div');
    header.className = 'jp-WorkbenchGpu-header';
    header.textContent = trans.__(
      'Driver %1 · CUDA %2 · source %3',
      snapshot.driver_version ?? 'N/A',
      snapshot.cuda_version ?? 'N/A',
      snapshot.source
    );
    body.appendChild(header);
    if (snapshot.stalled && snapshot.message) {
      body.appendChild(this._note(snapshot.message, 'jp-WorkbenchGpu-stalled'));
    }
    if (!snapshot.gpus.length) {
      const empty = document.createElement('div');
      empty.className = 'jp-WorkbenchGpu-empty';
      const title = document.createElement('h3');
      title.textContent =
        snapshot.status === 'no-driver'
          ? trans.__('No NVIDIA driver')
          : trans.__('No GPU visible to this session');
      empty.append(
        title,
        this._note(snapshot.message ?? '', 'jp-WorkbenchGpu-emptyMessage')
      );
      body.appendChild(empty);
    }
    for (const gpu of snapshot.gpus) {
      body.appendChild(this._card(gpu));
    }
    body.appendChild(this._checks());
    this._body.replaceWith(body);
    this._body = body;
  }

  private _card(gpu: IGpu): HTMLElement {
    const trans = this._trans;
    const card = document.createElement('section');
    card.className = 'jp-WorkbenchGpu-card';
    card.dataset.verdict = gpu.health.verdict;
    const title = document.createElement('div');
    title.className = 'jp-WorkbenchGpu-title';
    const name = document.createElement('span');
    name.className = 'jp-WorkbenchGpu-name';
    name.textContent = `GPU ${gpu.index}: ${gpu.vgpu?.profile ?? gpu.name ?? '?'}`;
    const badge = document.createElement('span');
    badge.className = 'jp-WorkbenchGpu-badge';
    badge.dataset.verdict = gpu.health.verdict;
    badge.textContent = {
      ok: trans.__('Healthy'),
      degraded: trans.__('Degraded'),
      critical: trans.__('Critical'),
      unknown: trans.__('Unknown')
    }[gpu.health.verdict];
    title.append(name, badge);
    card.appendChild(title);

    const facts: string[] = [];
    if (gpu.virtualization_mode) {
      facts.push(trans.__('virtualization: %1', gpu.virtualization_mode));
    }
    if (gpu.vgpu) {
      facts.push(
        trans.__('licence: %1', gpu.vgpu.license_status ?? 'N/A') +
          (gpu.vgpu.license_expiry ? ` (${gpu.vgpu.license_expiry})` : '')
      );
    }
    if (gpu.pci_bus_id) {
      facts.push(`bus ${gpu.pci_bus_id}`);
    }
    card.appendChild(this._note(facts.join(' · '), 'jp-WorkbenchGpu-facts'));

    const metrics = document.createElement('div');
    metrics.className = 'jp-WorkbenchGpu-metrics';
    const memory = gpu.memory.total_mib
      ? formatValue(gpu, 'memory.used_mib', gpu.memory.used_mib, '')
      : formatValue(gpu, 'memory.total_mib', null, '');
    const values: Array<[string, { text: string; reason: string | null }]> = [
      [
        trans.__('Utilization'),
        formatValue(
          gpu,
          'utilization_gpu_percent',
          gpu.utilization_gpu_percent,
          ' %'
        )
      ],
      [
        trans.__('Memory'),
        {
          text: gpu.memory.total_mib
            ? `${memory.text} / ${gpu.memory.total_mib} MiB`
            : memory.text,
          reason: memory.reason
        }
      ],
      [
        trans.__('Temperature'),
        formatValue(gpu, 'temperature_c', gpu.temperature_c, ' °C')
      ],
      [trans.__('Power'), formatValue(gpu, 'power_w', gpu.power_w, ' W', 1)],
      [
        trans.__('SM clock'),
        formatValue(gpu, 'clocks.sm_mhz', gpu.clocks.sm_mhz, ' MHz')
      ]
    ];
    for (const [label, value] of values) {
      const row = document.createElement('div');
      row.className = 'jp-WorkbenchGpu-metric';
      const name = document.createElement('span');
      name.textContent = label;
      const text = document.createElement('span');
      text.className = value.reason
        ? 'jp-WorkbenchGpu-na'
        : 'jp-WorkbenchGpu-value';
      text.textContent = value.text;
      if (value.reason) {
        text.title = value.reason;
      }
      row.append(name, text);
      metrics.appendChild(row);
    }
    card.appendChild(metrics);

    if (gpu.mig.enabled) {
      const mig = document.createElement('ul');
      mig.className = 'jp-WorkbenchGpu-mig';
      for (const device of gpu.mig.devices) {
        const item = document.createElement('li');
        item.textContent = `MIG ${device.index}: ${device.profile ?? '?'} · ${
          device.memory_used_mib ?? 'N/A'
        } / ${device.memory_total_mib ?? 'N/A'} MiB`;
        mig.appendChild(item);
      }
      card.append(
        this._note(trans.__('MIG slices'), 'jp-WorkbenchGpu-subtitle'),
        mig
      );
    }

    card.appendChild(this._charts(gpu));

    if (gpu.health.findings.length) {
      const list = document.createElement('ul');
      list.className = 'jp-WorkbenchGpu-findings';
      for (const finding of gpu.health.findings) {
        const item = document.createElement('li');
        item.dataset.severity = finding.severity;
        item.textContent = `${finding.message}. ${finding.advice}`;
        list.appendChild(item);
      }
      card.appendChild(list);
    }

    const procs = document.createElement('table');
    procs.className = 'jp-WorkbenchGpu-processes';
    const head = procs.insertRow();
    for (const label of [
      trans.__('PID'),
      trans.__('Process'),
      trans.__('Memory')
    ]) {
      const cell = document.createElement('th');
      cell.textContent = label;
      head.appendChild(cell);
    }
    for (const proc of gpu.processes) {
      const row = procs.insertRow();
      row.insertCell().textContent = String(proc.pid);
      row.insertCell().textContent = proc.kernel
        ? trans.__('kernel %1', proc.kernel.name)
        : (proc.name ?? '?');
      row.insertCell().textContent =
        proc.used_memory_mib !== null ? `${proc.used_memory_mib} MiB` : 'N/A';
    }
    if (!gpu.processes.length) {
      procs.insertRow().insertCell().textContent = trans.__(
        'No GPU processes in this session'
      );
    }
    card.append(
      this._note(trans.__('Processes'), 'jp-WorkbenchGpu-subtitle'),
      procs
    );
    return card;
  }

  private _charts(gpu: IGpu): HTMLElement {
    const charts = document.createElement('div');
    charts.className = 'jp-WorkbenchGpu-charts';
    const series = this._history?.gpus[gpu.uuid ?? String(gpu.index)];
    for (const { key, label, unit } of SERIES) {
      const values = (series?.[key] as Array<number | null> | undefined) ?? [];
      const max =
        key === 'utilization_gpu_percent'
          ? 100
          : key === 'memory_used_mib'
            ? (gpu.memory.total_mib ?? undefined)
            : key === 'power_w'
              ? (gpu.power_limit_w ?? undefined)
              : undefined;
      const figure = document.createElement('figure');
      figure.className = 'jp-WorkbenchGpu-chart';
      figure.dataset.series = String(key);
      const caption = document.createElement('figcaption');
      caption.textContent = `${this._trans.__(label)} (${unit})`;
      const svgNs = 'http://www.w3.org/2000/svg';
      const svg = document.createElementNS(svgNs, 'svg');
      svg.setAttribute('viewBox', `0 0 ${CHART_W} ${CHART_H}`);
      svg.setAttribute('preserveAspectRatio', 'none');
      const path = document.createElementNS(svgNs, 'path');
      path.setAttribute(
        'd',
        sparklinePath(values.slice(-300), CHART_W, CHART_H, max)
      );
      svg.appendChild(path);
      figure.dataset.points = String(values.filter(v => v !== null).length);
      figure.append(caption, svg);
      charts.appendChild(figure);
    }
    return charts;
  }

  private _checks(): HTMLElement {
    const trans = this._trans;
    const box = document.createElement('div');
    box.className = 'jp-WorkbenchGpu-checks';
    const result = document.createElement('div');
    result.className = 'jp-WorkbenchGpu-checkResult';
    result.textContent = this._lastCheck;
    const run = (name: 'cuda' | 'opengl') => async () => {
      result.textContent = trans.__(
        'Running the %1 check…',
        name === 'cuda' ? 'CUDA' : 'OpenGL'
      );
      try {
        const check = await this._client.check(name);
        this._lastCheck = `${check.ok ? '✔' : '✘'} ${check.summary}`;
        result.dataset.ok = String(check.ok);
      } catch (error) {
        this._lastCheck = `✘ ${String((error as Error).message ?? error)}`;
      }
      result.textContent = this._lastCheck;
    };
    for (const [name, label] of [
      ['cuda', trans.__('Check CUDA')],
      ['opengl', trans.__('Is my 3D accelerated?')]
    ] as const) {
      const button = document.createElement('button');
      button.className = 'jp-Button jp-mod-styled jp-mod-reject';
      button.textContent = label;
      button.addEventListener('click', () => void run(name)());
      box.appendChild(button);
    }
    box.appendChild(result);
    return box;
  }

  private _note(text: string, className: string): HTMLElement {
    const element = document.createElement('div');
    element.className = className;
    element.textContent = text;
    return element;
  }

  private _body: HTMLElement;
  private _client: GpuClient;
  private _history: IGpuHistory | null = null;
  private _lastCheck = '';
  private _retries = 0;
  private _retryTimer: number | null = null;
  private _snapshot: IGpuSnapshot | null = null;
  private _snapshotReceived = new Signal<this, IGpuSnapshot>(this);
  private _socket: WebSocket | null = null;
  private _trans: TranslationBundle;
  private _wanted = false;
  private _window: '1h' | '24h';
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
    window?: '1h' | '24h';
  }
}
