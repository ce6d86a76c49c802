import * as path from 'path';

import { expect, launcherTile, test } from './fixtures';

/**
 * Not tests: regenerate docs/images/launcher.png (the Workbench section of the JupyterLab
 * launcher, with each tile's real state) and docs/images/vscode.png (VS Code in a Lab tab).
 * Run them on purpose:
 *
 *   WORKBENCH_SCREENSHOTS=1 npx playwright test tests/readme-screenshots.spec.ts
 */

const API = 'workbench/api/backends';
const IMAGES = path.resolve(__dirname, '../../docs/images');

test.skip(
  !process.env.WORKBENCH_SCREENSHOTS,
  'screenshots are made on demand (WORKBENCH_SCREENSHOTS=1)'
);

test('launcher screenshot for the README', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.sidebar.close('left');
  const section = page.locator('.jp-Launcher-section', {
    has: page.locator('.jp-Launcher-sectionTitle', { hasText: 'Workbench' })
  });
  await expect(section).toBeVisible();
  // Every tile has its state (available, not installed, running…) before the picture.
  await expect(section.locator('.jp-LauncherCard')).not.toHaveCount(0);
  await page.waitForTimeout(1000);
  await section.screenshot({ path: path.join(IMAGES, 'launcher.png') });
});

test('VS Code screenshot for the README', async ({
  page,
  request,
  baseURL
}) => {
  test.setTimeout(180000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await launcherTile(page, 'vscode').click();
  const panel = page.locator('.jp-WorkbenchPanel[data-backend="vscode"]');
  await expect(panel).toHaveAttribute('data-phase', 'running', {
    timeout: 90000
  });
  const frame = page.frameLocator(
    '.jp-WorkbenchPanel[data-backend="vscode"] iframe'
  );
  await expect(frame.locator('.monaco-workbench')).toBeVisible({
    timeout: 90000
  });
  await page.waitForTimeout(3000);
  await page.screenshot({ path: path.join(IMAGES, 'vscode.png') });
  await request.post(`${baseURL}/${API}/vscode/stop`, { data: {} });
});
