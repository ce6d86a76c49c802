import AxeBuilder from '@axe-core/playwright';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { Page, Request } from '@playwright/test';

import { expect, test } from './fixtures';

/**
 * The GPU panel: its empty state on this machine (no NVIDIA driver), and cards, badges,
 * MIG slices and live uPlot charts on a second server replaying a REAL nvidia-smi capture
 * of an H100 in MIG mode (`GPUMonitor.source = "replay"`, a test double of the driver;
 * see jupyter_server_gpu_replay_config.py).
 */

const GPU_PORT = Number(process.env.WORKBENCH_UI_GPU_PORT || 8889);
const STATIC = '/lab/extensions/@jupyter-workbench/gpu/static/';
const LAUNCHER_PLUGIN = '@jupyter-workbench/launcher:plugin';
const GPU_PLUGIN = '@jupyter-workbench/gpu:plugin';

async function openPanel(page: Page) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('workbench-gpu:open');
  });
  return page.locator('#jp-workbench-gpu');
}

/**
 * Whether the axis labels on a chart's canvas are drawn in light or dark ink: the
 * brightest-vs-darkest opaque pixels in the y axis strip (left 30 px).
 */
async function axisInk(chart: import('@playwright/test').Locator) {
  return chart.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d')!;
    const ratio = canvas.width / canvas.clientWidth;
    const data = ctx.getImageData(
      0,
      0,
      Math.round(30 * ratio),
      canvas.height
    ).data;
    let light = 0;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] < 128) {
        continue;
      }
      const luma =
        0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
      if (luma > 160) {
        light += 1;
      } else if (luma < 96) {
        dark += 1;
      }
    }
    return light > dark ? 'light' : 'dark';
  });
}

test.describe('GPU panel without a GPU', () => {
  test('shows a clear empty state with the server message', async ({
    page,
    baseURL
  }) => {
    const answer = await page.request.get(
      `${baseURL}/workbench/api/gpu/snapshot`
    );
    const snapshot = await answer.json();
    expect(snapshot.gpus).toHaveLength(0);
    expect(['no-driver', 'no-gpu']).toContain(snapshot.status);

    const panel = await openPanel(page);
    await expect(panel.locator('.jp-WorkbenchGpu-empty h3')).toHaveText(
      snapshot.status === 'no-driver'
        ? 'No NVIDIA driver'
        : 'No GPU visible to this session'
    );
    await expect(panel.locator('.jp-WorkbenchGpu-emptyMessage')).toHaveText(
      snapshot.message
    );
    await expect(panel.locator('.jp-WorkbenchGpu-card')).toHaveCount(0);
    await expect(page.locator('.jp-WorkbenchGpu-status')).toHaveText('No GPU');
  });

  test('the OpenGL check shows the renderer and software rendering', async ({
    page
  }) => {
    const panel = await openPanel(page);
    await panel.locator('button[data-check="opengl"]').click();
    const result = panel.locator(
      '.jp-WorkbenchGpu-checkResult[data-check="opengl"]'
    );
    await expect(result).toContainText('llvmpipe', { timeout: 60000 });
    await expect(result).toContainText('Hardware accelerated: no');
    await expect(result).toHaveAttribute('data-accelerated', 'false');
  });

  test('loads the panel code only when the panel is first shown', async ({
    page
  }) => {
    // Reload with request logging from the start (the fixture already loaded Lab once).
    const loaded: Array<{ request: Request; phase: string }> = [];
    let phase = 'start';
    page.on('requestfinished', request => {
      if (request.url().includes(STATIC)) {
        loaded.push({ request, phase });
      }
    });
    await page.reload();
    await page.waitForSelector('.jp-WorkbenchGpu-status');
    await page.waitForLoadState('networkidle');
    phase = 'panel';
    const panel = await openPanel(page);
    await expect(panel.locator('.jp-WorkbenchGpu-empty')).toBeVisible();
    await page.waitForLoadState('networkidle');

    const sizes: Record<string, number> = { start: 0, panel: 0 };
    const files: Record<string, string[]> = { start: [], panel: [] };
    const code: Record<string, string> = { start: '', panel: '' };
    for (const { request, phase } of loaded) {
      const body = await (await request.response())!.body();
      const name = request.url().split('/').pop()!.split('?')[0];
      if (name.endsWith('.js')) {
        sizes[phase] += body.length;
        files[phase].push(`${name} ${body.length}`);
        code[phase] += body.toString('utf-8');
      }
    }
    console.log(
      `gpu labextension JS: at start ${sizes.start} B [${files.start.join(', ')}]; ` +
        `when the panel opens ${sizes.panel} B [${files.panel.join(', ')}]`
    );
    // Chunk names differ between development and production builds: look for code of
    // the panel and of uPlot (its `u-over` class) instead.
    expect(files.start.some(f => f.startsWith('remoteEntry'))).toBe(true);
    for (const marker of ['Waiting for samples', 'u-over']) {
      expect(code.start).not.toContain(marker);
      expect(code.panel).toContain(marker);
    }
  });
});

test.describe('GPU panel on a replayed H100 MIG capture', () => {
  test.use({ baseURL: `http://localhost:${GPU_PORT}/user/alice` });

  test('renders the card, badge, MIG slices, N/A reasons, processes and live charts', async ({
    page
  }) => {
    const panel = await openPanel(page);
    const card = panel.locator('.jp-WorkbenchGpu-card');
    await expect(card).toHaveCount(1);
    await expect(card.locator('.jp-WorkbenchGpu-name')).toHaveText(
      'GPU 0: NVIDIA H100 80GB HBM3'
    );
    await expect(card.locator('.jp-WorkbenchGpu-badge')).toHaveText('Healthy');
    await expect(card.locator('.jp-WorkbenchGpu-badge')).toHaveAttribute(
      'data-verdict',
      'ok'
    );
    await expect(
      card.locator('[data-fact="virtualization"] .jp-WorkbenchGpu-value')
    ).toHaveText('passthrough');
    await expect(panel.locator('.jp-WorkbenchGpu-header')).toContainText(
      'Driver 590.48.01'
    );
    // A replayed capture is labelled as such, never taken for this machine's GPU.
    await expect(panel.getByRole('note')).toHaveText(
      "Replay of a saved capture — not this machine's GPU"
    );

    // MIG slices: profile and memory of each.
    const slices = card.locator('.jp-WorkbenchGpu-mig tbody tr');
    await expect(slices).toHaveCount(4);
    await expect(slices.first()).toContainText('3g.40gb');
    await expect(slices.first()).toContainText('/ 39.5 GiB');
    await expect(slices.first().locator('td').last()).toHaveAttribute(
      'title',
      /^\d+ \/ 40448 MiB \(\d+ %\)$/
    );
    await expect(slices.nth(1)).toContainText('2g.20gb');

    // Whole-GPU utilization is N/A in MIG mode: "N/A" with the server's reason.
    const utilization = card.locator(
      '.jp-WorkbenchGpu-chart[data-series="utilization_gpu_percent"]'
    );
    await expect(
      utilization.locator('figcaption .jp-WorkbenchGpu-na')
    ).toHaveText('N/A');
    await expect(
      utilization.locator('figcaption .jp-WorkbenchGpu-na')
    ).toHaveAttribute('title', /MIG/);
    await expect(utilization.locator('canvas')).toHaveCount(0);

    // Memory, temperature and power: uPlot canvases filling from history + stream.
    for (const series of ['memory_used_mib', 'temperature_c', 'power_w']) {
      const chart = card.locator(
        `.jp-WorkbenchGpu-chart[data-series="${series}"]`
      );
      await expect(chart.locator('.uplot canvas')).toHaveCount(1);
    }
    const memory = card.locator(
      '.jp-WorkbenchGpu-chart[data-series="memory_used_mib"]'
    );
    // The chart is updated in place: the same canvas keeps drawing new samples.
    await memory
      .locator('canvas')
      .evaluate(canvas => canvas.setAttribute('data-first', ''));
    const before = Number(await memory.getAttribute('data-points'));
    await expect
      .poll(async () => Number(await memory.getAttribute('data-points')), {
        timeout: 15000
      })
      .toBeGreaterThan(before + 1);
    await expect(memory.locator('canvas[data-first]')).toHaveCount(1);
    await expect(memory.locator('figcaption')).toContainText('11125 MiB');

    // Processes: pid, name, memory.
    const processes = card.locator('.jp-WorkbenchGpu-processes tbody tr');
    await expect(processes).toHaveCount(3);
    await expect(processes.last()).toContainText('21198');
    await expect(processes.last()).toContainText('./gpu_burn');
    await expect(processes.last()).toContainText('7.3 GiB');
    await expect(processes.last().locator('td').nth(2)).toHaveAttribute(
      'title',
      '7484 MiB'
    );

    // Status bar: the GPU, its MIG slices, memory in use and the verdict dot.
    const status = page.locator('.jp-WorkbenchGpu-status');
    await expect(status).toHaveText('H100 · 4 MIG slices · 14 % mem');
    await expect(status).toHaveAttribute('data-verdict', 'ok');
    await expect(panel.locator('.jp-WorkbenchGpu')).toHaveAttribute(
      'data-stream',
      'open'
    );
  });

  test('is readable at the default sidebar width: slices, slice column, details', async ({
    page
  }) => {
    const panel = await openPanel(page);
    const card = panel.locator('.jp-WorkbenchGpu-card');
    await expect(card).toHaveCount(1);
    const width = await panel.evaluate(node => node.clientWidth);
    console.log(`GPU panel at the default width: ${width} px`);
    // Every MIG slice cell shows its whole text: no overflow, no ellipsis.
    const cells = card.locator('.jp-WorkbenchGpu-mig td');
    await expect(cells).toHaveCount(12);
    const clipped = await cells.evaluateAll(nodes =>
      nodes
        .filter(node => node.scrollWidth > node.clientWidth)
        .map(node => node.textContent)
    );
    expect(clipped).toEqual([]);
    await expect(
      card.locator('.jp-WorkbenchGpu-mig tbody tr').first()
    ).toContainText(/\d+\.\d \/ 39\.5 GiB/);

    // The slice (GPU instance) of each process, readable too.
    const processes = card.locator('.jp-WorkbenchGpu-processes');
    await expect(processes.locator('th').nth(3)).toHaveText('Slice');
    // Memory and slice cells show their whole (short) text at this width.
    const memoryCells = processes.locator('tbody tr td:nth-child(3)');
    expect(
      await memoryCells.evaluateAll(nodes =>
        nodes
          .filter(node => node.scrollWidth > node.clientWidth)
          .map(node => node.textContent)
      )
    ).toEqual([]);
    const slices = processes.locator('td.jp-WorkbenchGpu-slice');
    await expect(slices).toHaveCount(3);
    await expect(slices.last()).toHaveText('3g.40gb');
    await expect(slices.last()).toHaveAttribute('title', '3g.40gb · GI 2');
    expect(
      await slices.evaluateAll(
        nodes =>
          nodes.filter(node => node.scrollWidth > node.clientWidth).length
      )
    ).toBe(0);

    // The details are always there, collapsed, and open on a click.
    const details = card.locator('details.jp-WorkbenchGpu-details');
    await expect(details).not.toHaveAttribute('open', '');
    await details.locator('summary').click();
    await expect(details.locator('[data-detail="pcie"] dd')).toHaveText(
      'Gen 5 x16 (max)'
    );
    await expect(details.locator('[data-detail="ecc-mode"] dd')).toHaveText(
      'enabled'
    );
    await expect(
      details.locator('[data-detail="xid"] dd span')
    ).toHaveAttribute('title', /NVML only/);
    // For a look at the default width (test-results/…).
    for (const part of ['migBox', 'processBox', 'details']) {
      await card.locator(`.jp-WorkbenchGpu-${part}`).screenshot({
        path: test.info().outputPath(`default-width-${part}.png`)
      });
    }
  });

  test('charts are anchored to the limits and show values on hover', async ({
    page
  }) => {
    const panel = await openPanel(page);
    const memory = panel.locator(
      '.jp-WorkbenchGpu-chart[data-series="memory_used_mib"]'
    );
    await expect
      .poll(async () => Number(await memory.getAttribute('data-points')), {
        timeout: 30000
      })
      .toBeGreaterThan(2);
    // The y axes end at the GPU's limits: total memory, power limit, 100 %.
    await expect(memory).toHaveAttribute('data-y-max', '81559');
    await expect(
      panel.locator('.jp-WorkbenchGpu-chart[data-series="power_w"]')
    ).toHaveAttribute('data-y-max', '700');
    const over = memory.locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
    const hover = memory.locator('.jp-WorkbenchGpu-hover');
    await expect(hover).toHaveText(/^\d\d:\d\d:\d\d: \d+ MiB$/);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height + 200);
    await expect(hover).toHaveCount(0);
    await expect(memory.locator('figcaption')).toContainText('11125 MiB');
  });

  test('the window picker switches the history and keeps the setting in sync', async ({
    page
  }) => {
    const panel = await openPanel(page);
    const picker = panel.getByRole('combobox', { name: 'History' });
    await expect(picker).toHaveValue('1h');
    const setting = () =>
      page.evaluate(async id => {
        const registry = (await window.galata.getPlugin(
          '@jupyterlab/apputils-extension:settings'
        )) as ISettingRegistry;
        return (await registry.get(id, 'historyWindow')).composite;
      }, GPU_PLUGIN);
    const history = page.waitForRequest(request =>
      request.url().includes('/workbench/api/gpu/history?window=24h')
    );
    await picker.selectOption('24h');
    await history;
    await expect.poll(setting).toBe('24h');

    // A change of the setting elsewhere (the Settings editor) shows in the panel.
    const back = page.waitForRequest(request =>
      request.url().includes('/workbench/api/gpu/history?window=1h')
    );
    await page.evaluate(async id => {
      const registry = (await window.galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      )) as ISettingRegistry;
      await registry.set(id, 'historyWindow', '1h');
    }, GPU_PLUGIN);
    await back;
    await expect(picker).toHaveValue('1h');
  });

  test('charts re-theme live on a theme switch', async ({ page }) => {
    const panel = await openPanel(page);
    const memory = panel.locator(
      '.jp-WorkbenchGpu-chart[data-series="memory_used_mib"]'
    );
    await expect(memory.locator('canvas')).toHaveCount(1);
    const light = await memory.getAttribute('data-axis-color');
    const fontColor = () =>
      page.evaluate(() =>
        getComputedStyle(document.body)
          .getPropertyValue('--jp-ui-font-color1')
          .trim()
      );
    expect(light).toBe(await fontColor());
    try {
      await page.theme.setDarkTheme();
      const dark = await fontColor();
      expect(dark).not.toBe(light);
      await expect(memory).toHaveAttribute('data-axis-color', dark);
      await expect(memory.locator('canvas')).toHaveCount(1);
      // The axis labels are drawn in the dark theme's colour: sample the canvas.
      expect(await axisInk(memory)).toBe('light');
    } finally {
      await page.theme.setLightTheme();
    }
    await expect(memory).toHaveAttribute('data-axis-color', light!);
    expect(await axisInk(memory)).toBe('dark');
  });

  test('the checks are labelled as checks of this machine, the CUDA error once', async ({
    page
  }) => {
    const panel = await openPanel(page);
    const checks = panel.locator('.jp-WorkbenchGpu-checks');
    await expect(checks.getByRole('heading')).toHaveText(
      'Checks of this machine'
    );
    await expect(checks.locator('.jp-WorkbenchGpu-checksScope')).toContainText(
      'not of the replayed GPU'
    );
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('workbench-gpu:run-checks')
    );
    const cuda = checks.locator(
      '.jp-WorkbenchGpu-checkResult[data-check="cuda"]'
    );
    await expect(cuda).toHaveAttribute('data-outcome', /error|success/, {
      timeout: 60000
    });
    const text = (await cuda.textContent())!;
    if ((await cuda.getAttribute('data-outcome')) === 'error') {
      // This machine has no CUDA driver: said once, under the "this machine" label.
      const first = text.split(':')[0];
      expect(text.split(first)).toHaveLength(2);
    }
    const opengl = checks.locator(
      '.jp-WorkbenchGpu-checkResult[data-check="opengl"]'
    );
    await expect(opengl).toHaveAttribute('data-outcome', /.+/, {
      timeout: 60000
    });
    if ((await opengl.getAttribute('data-accelerated')) === 'false') {
      await expect(opengl).toHaveAttribute('data-outcome', 'warning');
    }
  });

  test('palette commands: open, run the checks, copy a diagnostic report', async ({
    page
  }) => {
    for (const id of [
      'workbench-gpu:open',
      'workbench-gpu:run-checks',
      'workbench-gpu:copy-report'
    ]) {
      expect(
        await page.evaluate(id => window.jupyterapp.commands.hasCommand(id), id)
      ).toBe(true);
    }
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('apputils:activate-command-palette')
    );
    const palette = page.locator('#command-palette');
    await palette.locator('input').fill('GPU Diagnostic');
    await expect(
      palette.locator('.lm-CommandPalette-item', {
        hasText: 'Copy GPU Diagnostic Report'
      })
    ).toBeVisible();
    await page.keyboard.press('Escape');
    const text = (await page.evaluate(() =>
      window.jupyterapp.commands.execute('workbench-gpu:copy-report')
    )) as string;
    expect(text).toContain('Jupyter Workbench GPU report');
    expect(text).toContain('GPU 0: NVIDIA H100 80GB HBM3');
    expect(text).toContain('MIG slices (4)');
    expect(text).toContain(
      'Checks of this machine (the Jupyter server), not of the replayed GPU:'
    );
  });

  for (const theme of ['light', 'dark'] as const) {
    test(`axe-core finds no serious or critical violation in the GPU panel (${theme})`, async ({
      page
    }) => {
      try {
        if (theme === 'dark') {
          await page.theme.setDarkTheme();
        }
        const panel = await openPanel(page);
        await expect(panel.locator('.jp-WorkbenchGpu-card')).toHaveCount(1);
        await panel.locator('details.jp-WorkbenchGpu-details summary').click();
        await page.evaluate(() =>
          window.jupyterapp.commands.execute('workbench-gpu:run-checks')
        );
        await expect(
          panel.locator('.jp-WorkbenchGpu-checkResult[data-outcome]')
        ).toHaveCount(2, { timeout: 60000 });
        const results = await new AxeBuilder({ page })
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
          .analyze();
        const ours: string[] = [];
        const theirs = new Set<string>();
        for (const violation of results.violations) {
          if (!['serious', 'critical'].includes(violation.impact ?? '')) {
            continue;
          }
          for (const node of violation.nodes) {
            const selector = node.target[0] as string;
            const mine = await page.evaluate(
              selector =>
                !!document
                  .querySelector(selector)
                  ?.closest('#jp-workbench-gpu, .jp-WorkbenchGpu-status'),
              selector
            );
            if (mine) {
              ours.push(`${violation.id}: ${selector} ${node.failureSummary}`);
            } else {
              theirs.add(violation.id);
            }
          }
        }
        console.log(
          `axe (${theme}): serious/critical violations outside the GPU panel (JupyterLab's own): ${[...theirs].sort().join(', ') || 'none'}`
        );
        expect(ours).toEqual([]);
      } finally {
        if (theme === 'dark') {
          await page.theme.setLightTheme();
        }
      }
    });
  }

  test('pauses the stream while the panel is hidden and resumes it', async ({
    page
  }) => {
    const socket = page.waitForEvent('websocket', ws =>
      ws.url().includes('/workbench/api/gpu/stream')
    );
    const panel = await openPanel(page);
    const ws = await socket;
    await expect(panel.locator('.jp-WorkbenchGpu')).toHaveAttribute(
      'data-stream',
      'open'
    );
    const closed = ws.waitForEvent('close');
    // Hide the panel: collapse the right sidebar.
    await page.evaluate(() => window.jupyterapp.shell.collapseRight());
    await closed;
    await expect(panel.locator('.jp-WorkbenchGpu')).toHaveAttribute(
      'data-stream',
      'paused'
    );
    const reopened = page.waitForEvent('websocket', ws =>
      ws.url().includes('/workbench/api/gpu/stream')
    );
    await openPanel(page);
    await reopened;
    await expect(panel.locator('.jp-WorkbenchGpu')).toHaveAttribute(
      'data-stream',
      'open'
    );
  });

  test('the status bar item opens the panel', async ({ page }) => {
    await page.evaluate(() => window.jupyterapp.shell.collapseRight());
    const status = page.locator('.jp-WorkbenchGpu-status');
    await expect(status).toHaveText('H100 · 4 MIG slices · 14 % mem', {
      timeout: 30000
    });
    await status.click();
    await expect(page.locator('#jp-workbench-gpu')).toBeVisible();
    await expect(
      page.locator('#jp-workbench-gpu .jp-WorkbenchGpu-card')
    ).toHaveCount(1);
  });
});

test.describe('GPU panel without the launcher plugin', () => {
  test.use({ baseURL: `http://localhost:${GPU_PORT}/user/alice` });

  test('works when the launcher plugin (IWorkbench) is disabled', async ({
    page,
    baseURL
  }) => {
    // Reload Lab with the launcher plugin in the page config's disabledExtensions, as
    // `jupyter labextension disable` would put it. (The page is patched as it reads its
    // config: a routed, rewritten document would lose localhost WebSocket access.)
    await page.addInitScript(plugin => {
      const getElementById = Document.prototype.getElementById;
      Document.prototype.getElementById = function (id: string) {
        const node = getElementById.call(this, id);
        if (id === 'jupyter-config-data' && node && !node.dataset.patched) {
          const config = JSON.parse(node.textContent || '{}');
          config.disabledExtensions = [
            ...(config.disabledExtensions ?? []),
            plugin
          ];
          node.textContent = JSON.stringify(config);
          node.dataset.patched = 'true';
        }
        return node;
      };
    }, LAUNCHER_PLUGIN);
    await page.goto(`${baseURL}/lab`);
    await page.waitForSelector('.jp-WorkbenchGpu-status');
    expect(
      await page.evaluate(
        id => window.jupyterapp.isPluginActivated(id),
        LAUNCHER_PLUGIN
      )
    ).toBe(false);
    const panel = await openPanel(page);
    await expect(panel.locator('.jp-WorkbenchGpu-card')).toHaveCount(1);
    await expect(panel.locator('.jp-WorkbenchGpu')).toHaveAttribute(
      'data-stream',
      'open'
    );
  });
});

test.describe('GPU panel screenshot (docs)', () => {
  test.use({
    baseURL: `http://localhost:${GPU_PORT}/user/alice`,
    viewport: { width: 1280, height: 900 }
  });
  test.skip(
    !process.env.WORKBENCH_SCREENSHOTS,
    'writes docs/images/gpu-panel.png; run with WORKBENCH_SCREENSHOTS=1'
  );

  test('docs/images/gpu-panel.png on the replayed H100 MIG capture', async ({
    page
  }) => {
    test.setTimeout(180000);
    await page.evaluate(() => window.jupyterapp.shell.collapseLeft());
    const panel = await openPanel(page);
    const memory = panel.locator(
      '.jp-WorkbenchGpu-chart[data-series="memory_used_mib"]'
    );
    await expect
      .poll(async () => Number(await memory.getAttribute('data-points')), {
        timeout: 60000
      })
      .toBeGreaterThan(30);
    // Widen the right side panel by dragging its split handle.
    const right = (await page.locator('#jp-right-stack').boundingBox())!;
    await page.mouse.move(right.x - 2, right.y + 300);
    await page.mouse.down();
    await page.mouse.move(right.x - 180, right.y + 300, { steps: 5 });
    await page.mouse.up();
    // The panel labels the replayed capture itself.
    await expect(panel.getByRole('note')).toBeVisible();
    await page
      .locator('.jp-Notification-Toast-Close')
      .click({ timeout: 2000 })
      .catch(() => undefined);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: '../docs/images/gpu-panel.png' });
  });
});
