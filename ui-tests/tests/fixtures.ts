import { expect, test as base } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

/**
 * Galata's fixtures, with `tmpPath` created under the server's base URL.
 *
 * Galata creates the per-test directory with a root-relative `/api/contents` request,
 * which misses a JupyterHub-like base URL (`/user/alice/`); this fixture creates and
 * removes it through `{baseURL}/api/contents/`.
 */
export const test = base.extend<{ tmpPath: string }>({
  tmpPath: async ({ request, baseURL }, use, testInfo) => {
    const name = `test-${testInfo.testId}`;
    const url = `${baseURL}/api/contents/${name}`;
    const created = await request.put(url, { data: { type: 'directory' } });
    expect(created.status()).toBe(201);
    await use(name);
    await request.delete(url);
  }
});

export { expect };

/**
 * The launcher card of the Workbench tile for backend `name`.
 */
export function launcherTile(page: Page, name: string): Locator {
  return page.locator('.jp-LauncherCard:visible', {
    has: page.locator(`[data-workbench-tile="${name}"]`)
  });
}
