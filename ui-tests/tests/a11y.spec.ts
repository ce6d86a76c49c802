import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

import { expect, launcherTile, test } from './fixtures';

/**
 * Accessibility (axe-core, WCAG 2 A and AA) of the Workbench's own DOM — the launcher
 * section, the desktop toolbar, the start view (a stopped desktop) and the failure view
 * — in JupyterLab's light and dark themes: no serious and no critical violation.
 *
 * Violations that come from JupyterLab's own widgets around ours are excluded by
 * selector, each with its rule id and why (see CORE_EXCLUDES).
 */

const API = 'workbench/api/backends';

/**
 * JupyterLab's own DOM inside the regions we scan (not ours to fix):
 * - `aria-allowed-attr` (critical): core's `ToolbarButtonComponent` renders a
 *   `jp-button` with `aria-pressed` even when it is not a toggle — on every main-area
 *   toolbar (our Reconnect, Full screen, Ctrl-Alt-Del and Clipboard buttons are core
 *   `ToolbarButton`s; "More commands" is core's overflow button). Seen with axe-core
 *   4.x on JupyterLab 4.6.
 */
const CORE_EXCLUDES = ['.jp-ToolbarButtonComponent[aria-pressed]'];

/** The serious and critical violations of axe in `selector`, as "rule: targets". */
async function violations(page: Page, selector: string): Promise<string[]> {
  let builder = new AxeBuilder({ page })
    .include(selector)
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  for (const exclude of CORE_EXCLUDES) {
    builder = builder.exclude(exclude);
  }
  const result = await builder.analyze();
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(
      v =>
        `${v.id} (${v.impact}): ${v.nodes
          .map(n => n.target.join(' '))
          .join(', ')}`
    );
}

async function setTheme(page: Page, theme: string): Promise<void> {
  await page.evaluate(
    t =>
      (window as any).jupyterapp.commands.execute('apputils:change-theme', {
        theme: t
      }),
    theme
  );
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-name',
    theme
  );
}

for (const theme of ['JupyterLab Light', 'JupyterLab Dark']) {
  test.describe(`Accessibility in ${theme}`, () => {
    test.describe.configure({ mode: 'serial' });

    test.afterAll(async ({ request, baseURL }) => {
      await request.post(`${baseURL}/${API}/desktop/stop`, { data: {} });
    });

    test('launcher section, desktop toolbar, start and failure views', async ({
      page,
      request,
      baseURL
    }) => {
      test.setTimeout(150000);
      await setTheme(page, theme);
      const found: Record<string, string[]> = {};

      // The Workbench section of the launcher (with its "not installed" tiles).
      await expect(launcherTile(page, 'desktop')).toBeVisible();
      found.launcher = await violations(
        page,
        '.jp-Launcher-section:has([data-workbench-tile])'
      );

      // The desktop's toolbar while connected (state, renderer badge, controls).
      await launcherTile(page, 'desktop').click();
      const viewer = page.locator(
        '.jp-WorkbenchDesktop[data-backend="desktop"]'
      );
      await expect(viewer).toHaveAttribute('data-state', 'connected', {
        timeout: 60000
      });
      await expect(
        page.locator('.jp-WorkbenchDesktop-renderer:visible')
      ).toBeVisible({ timeout: 30000 });
      found.toolbar = await violations(
        page,
        '.jp-WorkbenchDesktop-host:has([data-backend="desktop"]) > .jp-Toolbar'
      );

      // The start view of a stopped desktop ("Desktop is stopped" and Start).
      await request.post(`${baseURL}/${API}/desktop/stop`, { data: {} });
      await expect(viewer).toHaveAttribute('data-state', 'stopped', {
        timeout: 20000
      });
      found.stopped = await violations(
        page,
        '.jp-WorkbenchDesktop[data-backend="desktop"] .jp-WorkbenchStart'
      );

      // The failure view of a desktop that requires a GPU (none here).
      await page.evaluate(() =>
        (window as any).jupyterapp.commands.execute('workbench:open', {
          name: 'desktop3d'
        })
      );
      const failed = page.locator(
        '.jp-WorkbenchDesktop[data-backend="desktop3d"]'
      );
      await expect(failed).toHaveAttribute('data-state', 'failed', {
        timeout: 30000
      });
      await failed.locator('details summary').click();
      found.failure = await violations(
        page,
        '.jp-WorkbenchDesktop[data-backend="desktop3d"] .jp-WorkbenchStart'
      );

      expect(found).toEqual({
        launcher: [],
        toolbar: [],
        stopped: [],
        failure: []
      });
    });
  });
}
