// Plain Playwright: Galata's fixtures wait for JupyterLab's shell, which Notebook 7's tree is not.
import { expect, test } from '@playwright/test';

/**
 * Notebook 7 has no launcher: the Workbench entries are in the file browser's "New" menu,
 * and an entry starts its backend and opens it in a new browser tab.
 */

test.describe('Notebook 7', () => {
  test.afterAll(async ({ request, baseURL }) => {
    await request.post(`${baseURL}/workbench/api/backends/hello/stop`, {
      data: {}
    });
  });

  test('the New menu lists the Workbench entries and opens one', async ({
    page,
    baseURL
  }) => {
    await page.goto(`${baseURL}/tree`);
    const newButton = page
      .getByRole('toolbar', { name: 'file browser' })
      .getByRole('menuitem', { name: 'New' });
    await expect(newButton).toBeVisible({ timeout: 60000 });
    const menu = page.locator('.lm-Menu');
    // The catalogue arrives after the page: reopen the menu until its entries are there.
    await expect(async () => {
      await page.keyboard.press('Escape');
      await newButton.click();
      await expect(
        menu.getByRole('menuitem', { name: /^Hello App/ })
      ).toBeVisible({ timeout: 2000 });
    }).toPass({ timeout: 60000 });
    for (const title of ['Desktop', 'VS Code', 'RStudio']) {
      await expect(
        menu.getByRole('menuitem', { name: new RegExp(`^${title}`) }).first()
      ).toBeVisible();
    }
    await expect(
      menu.getByRole('menuitem', { name: 'Lab Notes (not installed)' })
    ).toBeVisible();
    const popup = page.waitForEvent('popup', { timeout: 60000 });
    await menu.getByRole('menuitem', { name: /^Hello App/ }).click();
    const opened = await popup;
    await expect(opened).toHaveURL(/\/user\/alice\/hello\//, {
      timeout: 30000
    });
    await expect(opened.locator('h1')).toHaveText('Hello from the Workbench');
  });
});
