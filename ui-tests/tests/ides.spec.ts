import type { FrameLocator, Page } from '@playwright/test';

import { expect, launcherTile, test } from './fixtures';

/**
 * VS Code (real code-server) and RStudio (a labelled double of rserver) from their tiles,
 * inside JupyterLab tabs, through jupyter-server-proxy and Jupyter's auth.
 */

const API = 'workbench/api/backends';

/**
 * Click the tile of web app `name`, wait until its panel runs, and return its iframe.
 */
async function openWebApp(
  page: Page,
  name: string,
  timeout: number
): Promise<FrameLocator> {
  await launcherTile(page, name).click();
  const panel = page.locator(`.jp-WorkbenchPanel[data-backend="${name}"]`);
  await expect(panel).toHaveAttribute('data-phase', 'running', { timeout });
  return page.frameLocator(`.jp-WorkbenchPanel[data-backend="${name}"] iframe`);
}

test.describe('Web IDEs', () => {
  test.describe.configure({ mode: 'serial' });

  test.afterAll(async ({ request, baseURL }) => {
    await request.post(`${baseURL}/${API}/vscode/stop`, { data: {} });
    await request.post(`${baseURL}/${API}/rstudio/stop`, { data: {} });
  });

  test('VS Code opens in a Lab tab, sees Jupyter files and runs a terminal command', async ({
    page,
    request,
    baseURL
  }) => {
    test.setTimeout(180000);
    const catalogue = await (await request.get(`${baseURL}/${API}`)).json();
    const vscode = catalogue.backends.find((b: any) => b.name === 'vscode');
    expect(vscode.available, 'code-server is installed by make').toBe(true);
    // Unique names: a retry must not trip over the files of the attempt before it.
    const stamp = `${Date.now()}-${test.info().retry}`;
    const fromJupyter = `from-jupyter-${stamp}.txt`;
    const fromVSCode = `from-vscode-${stamp}.txt`;

    // A file created through JupyterLab's file browser …
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('filebrowser:go-to-path', {
        path: '/'
      });
    });
    await page.evaluate(async name => {
      const model = await window.jupyterapp.serviceManager.contents.newUntitled(
        {
          path: '',
          type: 'file',
          ext: '.txt'
        }
      );
      await window.jupyterapp.serviceManager.contents.rename(model.path, name);
    }, fromJupyter);

    const frame = await openWebApp(page, 'vscode', 90000);
    await expect(frame.locator('.monaco-workbench')).toBeVisible({
      timeout: 90000
    });
    // Trust/welcome dialogs are disabled by flags; the explorer shows the Jupyter root.
    await frame.locator('body').click();
    await page.keyboard.press('Control+Shift+E');
    await expect(frame.getByText(fromJupyter)).toBeVisible({
      timeout: 60000
    });

    // … and a VS Code terminal runs a command in the same root.
    // The first F1 can land before the workbench takes keyboard focus: retry until the
    // command palette shows.
    await expect(async () => {
      await frame.locator('.monaco-workbench .part.editor').click();
      await page.keyboard.press('F1');
      await expect(frame.locator('.quick-input-widget')).toBeVisible({
        timeout: 3000
      });
    }).toPass({ timeout: 60000 });
    await page.keyboard.type('Terminal: Create New Terminal', { delay: 20 });
    await expect(
      frame.locator('.quick-input-list .monaco-list-row').first()
    ).toContainText('Create New Terminal', { timeout: 20000 });
    await page.keyboard.press('Enter');
    // xterm draws on a canvas (its DOM rows stay empty).
    await expect(frame.locator('.xterm-helper-textarea').first()).toBeAttached({
      timeout: 60000
    });
    const input = frame.locator('.xterm-helper-textarea').first();
    const written = async () => {
      const response = await request.get(
        `${baseURL}/api/contents/${fromVSCode}?content=1&format=text`
      );
      return response.ok() ? (await response.json()).content.trim() : '';
    };
    // Keys typed before the shell has started can be lost: type the command again until
    // the file has it (the shell creates the file before echo writes: check the content).
    await expect(async () => {
      await input.focus();
      await input.pressSequentially(
        `echo workbench-terminal-ok > ${fromVSCode}`
      );
      await input.press('Enter');
      await expect
        .poll(written, { timeout: 10000 })
        .toBe('workbench-terminal-ok');
    }).toPass({ timeout: 60000 });
    for (const name of [fromJupyter, fromVSCode]) {
      await request.delete(`${baseURL}/api/contents/${name}`);
    }
  });

  test('RStudio (double) starts, opens and shows its page', async ({
    page
  }) => {
    const frame = await openWebApp(page, 'rstudio', 30000);
    // The double redirected to http://localhost:8787/auth-sign-in: the proxy kept us inside.
    await expect(frame.locator('#rstudio-double')).toHaveText(
      'RStudio Server (test double)'
    );
    await expect(frame.locator('#path')).toContainText('/auth-sign-in');
  });
});
