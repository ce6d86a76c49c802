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

async function openPanel(page: Page) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('workbench-gpu:open');
  });
  return page.locator('#jp-workbench-gpu');
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
    await expect(slices.first()).toContainText('/ 40448 MiB');
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
    await expect(processes.last()).toContainText('7484 MiB');

    // Status bar: count, utilization (N/A in MIG mode) and the verdict dot.
    const status = page.locator('.jp-WorkbenchGpu-status');
    await expect(status).toHaveText('1 GPU · N/A');
    await expect(status).toHaveAttribute('data-verdict', 'ok');
    await expect(panel.locator('.jp-WorkbenchGpu')).toHaveAttribute(
      'data-stream',
      'open'
    );
  });

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
    await expect(status).toHaveText('1 GPU · N/A', { timeout: 30000 });
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
