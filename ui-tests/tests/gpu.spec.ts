import { expect, test } from './fixtures';

/**
 * The GPU panel: its empty state on this machine (no NVIDIA driver), and cards, badges
 * and charts on a server replaying a real H100 MIG capture (GPUMonitor.source=replay).
 */

const GPU_PORT = Number(process.env.WORKBENCH_UI_GPU_PORT || 8889);

async function openPanel(page: any) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('workbench-gpu:open');
  });
  return page.locator('#jp-workbench-gpu');
}

test.describe('GPU panel without a GPU', () => {
  test('shows a clear empty state and the status bar says so', async ({
    page
  }) => {
    const panel = await openPanel(page);
    await expect(panel.locator('.jp-WorkbenchGpu-empty h3')).toHaveText(
      'No NVIDIA driver'
    );
    await expect(panel.locator('.jp-WorkbenchGpu-emptyMessage')).toContainText(
      'NVIDIA'
    );
    await expect(page.locator('.jp-WorkbenchGpu-status')).toHaveText('No GPU');
  });

  test('the OpenGL check says software rendering', async ({ page }) => {
    const panel = await openPanel(page);
    await panel.getByRole('button', { name: 'Is my 3D accelerated?' }).click();
    await expect(panel.locator('.jp-WorkbenchGpu-checkResult')).toContainText(
      'software',
      {
        timeout: 30000
      }
    );
    await expect(panel.locator('.jp-WorkbenchGpu-checkResult')).toContainText(
      'llvmpipe'
    );
  });
});

test.describe('GPU panel on a replayed H100 MIG capture', () => {
  test.use({ baseURL: `http://localhost:${GPU_PORT}/user/alice` });

  test('renders the card, badge, MIG slices, N/A reasons and live charts', async ({
    page
  }) => {
    const panel = await openPanel(page);
    const card = panel.locator('.jp-WorkbenchGpu-card');
    await expect(card).toHaveCount(1);
    await expect(card.locator('.jp-WorkbenchGpu-name')).toHaveText(
      'GPU 0: NVIDIA H100 80GB HBM3'
    );
    await expect(card.locator('.jp-WorkbenchGpu-badge')).toHaveText('Healthy');
    await expect(card.locator('.jp-WorkbenchGpu-mig li')).toHaveCount(4);
    await expect(card.locator('.jp-WorkbenchGpu-mig li').first()).toContainText(
      '3g.40gb'
    );
    const na = card.locator('.jp-WorkbenchGpu-na').first();
    await expect(na).toHaveText('N/A');
    await expect(na).toHaveAttribute('title', /MIG/);
    await expect(card.locator('.jp-WorkbenchGpu-chart')).toHaveCount(4);
    // The memory chart fills with samples from the stream.
    const memory = card.locator(
      '.jp-WorkbenchGpu-chart[data-series="memory_used_mib"]'
    );
    await expect
      .poll(async () => Number(await memory.getAttribute('data-points')), {
        timeout: 15000
      })
      .toBeGreaterThan(2);
    await expect(memory.locator('path')).toHaveAttribute('d', /^M/);
    await expect(card.locator('.jp-WorkbenchGpu-processes tr')).toHaveCount(4);
    await expect(page.locator('.jp-WorkbenchGpu-status')).toHaveAttribute(
      'data-verdict',
      'ok'
    );
  });
});
