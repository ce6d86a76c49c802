// Plain Playwright: Galata's fixtures wait for JupyterLab's shell, which Notebook 7's tree is not.
import { expect, Page, test } from '@playwright/test';

/**
 * Notebook 7 has no launcher: the Workbench entries are in the file browser's "New" menu,
 * and an entry starts its backend and opens it in a new browser tab.
 */

/** Open Notebook 7's tree page and its New menu once the Workbench entries are in it. */
async function openNewMenu(
  page: Page,
  baseURL: string | undefined,
  entry: RegExp
) {
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
      menu.getByRole('menuitem', { name: entry }).first()
    ).toBeVisible({
      timeout: 2000
    });
  }).toPass({ timeout: 60000 });
  return menu;
}

test.describe('Notebook 7', () => {
  test.afterAll(async ({ request, baseURL }) => {
    for (const name of ['hello', 'desktop', 'vscode']) {
      await request.post(`${baseURL}/workbench/api/backends/${name}/stop`, {
        data: {}
      });
    }
  });

  test('Desktop opens on a page of its own and shows a painted desktop', async ({
    page,
    baseURL,
    request
  }) => {
    test.setTimeout(150000);
    const menu = await openNewMenu(page, baseURL, /^Desktop/);
    const popup = page.waitForEvent('popup', { timeout: 30000 });
    await menu
      .getByRole('menuitem', { name: /^Desktop/ })
      .first()
      .click();
    const opened = await popup;
    await expect(opened).toHaveURL(
      /\/user\/alice\/workbench\/desktops\/desktop\/view$/
    );
    // The toast of the click ends (it says where the desktop went).
    await expect(
      page.getByText('Desktop opened in a new browser tab.')
    ).toBeVisible();
    const viewer = opened.locator(
      '.jp-WorkbenchDesktop[data-backend="desktop"]'
    );
    await expect(viewer).toHaveAttribute('data-state', 'connected', {
      timeout: 90000
    });
    // A painted desktop: the canvas holds more than one colour.
    await expect
      .poll(
        () =>
          opened.evaluate(() => {
            const canvas = document.querySelector(
              '.jp-WorkbenchDesktop canvas'
            ) as HTMLCanvasElement | null;
            if (!canvas || !canvas.width) {
              return 0;
            }
            const { data } = canvas
              .getContext('2d')!
              .getImageData(0, 0, canvas.width, canvas.height);
            const colours = new Set<number>();
            for (let i = 0; i < data.length && colours.size < 64; i += 4 * 97) {
              colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
            }
            return colours.size;
          }),
        { timeout: 30000 }
      )
      .toBeGreaterThan(1);
    const status = await (
      await request.get(`${baseURL}/workbench/api/backends/desktop`)
    ).json();
    expect(status.state).toBe('running');
  });

  test('VS Code opens in a browser tab and its toast ends', async ({
    page,
    baseURL
  }) => {
    test.setTimeout(180000);
    const menu = await openNewMenu(page, baseURL, /^VS Code/);
    const popup = page.waitForEvent('popup', { timeout: 30000 });
    await menu
      .getByRole('menuitem', { name: /^VS Code/ })
      .first()
      .click();
    const opened = await popup;
    await expect(opened).toHaveURL(/\/user\/alice\/vscode\//, {
      timeout: 120000
    });
    await expect(opened.locator('.monaco-workbench')).toBeVisible({
      timeout: 90000
    });
    await expect(page.getByText('VS Code is running.')).toBeVisible({
      timeout: 30000
    });
    // No toast is left saying "Starting VS Code…".
    await expect(page.getByText('Starting VS Code…')).toHaveCount(0);
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
