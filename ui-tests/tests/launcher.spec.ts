import { expect, launcherTile, test } from './fixtures';

/**
 * The Workbench launcher section, its tiles and the lifecycle of a backend registered
 * by config (the tiny "hello" web app, see jupyter_server_test_config.py).
 */

const API = 'workbench/api/backends';

test.describe('Workbench launcher', () => {
  test.afterEach(async ({ request, baseURL }) => {
    await request.post(`${baseURL}/${API}/hello/stop`, { data: {} });
  });

  test('shows the Workbench section with the built-in tiles', async ({
    page
  }) => {
    const section = page.locator('.jp-Launcher-section', {
      has: page.locator('.jp-Launcher-sectionTitle', { hasText: 'Workbench' })
    });
    await expect(section).toBeVisible();
    for (const title of [
      'Desktop',
      'VS Code',
      'RStudio',
      'Hello App',
      'Lab Notes'
    ]) {
      await expect(
        section.locator('.jp-LauncherCard-label', {
          hasText: new RegExp(`^${title}( \\(.*\\))?$`)
        })
      ).toBeVisible();
    }
  });

  test('a tile whose backend is missing explains why', async ({
    page,
    request,
    baseURL
  }) => {
    const catalogue = await (await request.get(`${baseURL}/${API}`)).json();
    // "notes" is configured with a program that is not installed (see the server config).
    const missing = catalogue.backends.find((b: any) => b.name === 'notes');
    expect(missing.available).toBe(false);
    const card = launcherTile(page, missing.name);
    await expect(card).toContainText('not installed');
    await card.click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(`${missing.title} is not available`);
    await expect(dialog.locator('.jp-WorkbenchUnavailable-reason')).toHaveText(
      missing.reason
    );
    await expect(dialog.locator('.jp-WorkbenchUnavailable-hint')).toContainText(
      missing.install_hint
    );
    // The URL in the hint is a link; on JupyterHub, an administrator installs it.
    await expect(
      dialog.getByRole('link', {
        name: 'https://pypi.org/project/lab-notes-server/'
      })
    ).toHaveAttribute('href', 'https://pypi.org/project/lab-notes-server/');
    await expect(dialog.locator('.jp-WorkbenchUnavailable-hub')).toContainText(
      'On JupyterHub, an administrator installs it'
    );
    await dialog.getByRole('button', { name: 'Ok' }).click();
  });

  test('a custom backend starts from its tile and opens in a Lab tab', async ({
    page
  }) => {
    await launcherTile(page, 'hello').click();
    const panel = page.locator('.jp-WorkbenchPanel[data-backend="hello"]');
    // Progress is visible while it starts (the app becomes ready after 1 s).
    await expect(panel).toHaveAttribute('data-phase', /starting|running/);
    await expect(panel).toHaveAttribute('data-phase', 'running', {
      timeout: 30000
    });
    const frame = page.frameLocator(
      '.jp-WorkbenchPanel[data-backend="hello"] iframe'
    );
    await expect(frame.locator('#greeting')).toHaveText(
      'Hello from the Workbench'
    );
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: 'Hello App'
      })
    ).toBeVisible();
  });

  test('Stop and Restart work from the panel toolbar', async ({
    page,
    request,
    baseURL
  }) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('workbench:open', {
        name: 'hello'
      });
    });
    const panel = page.locator('.jp-WorkbenchPanel[data-backend="hello"]');
    await expect(panel).toHaveAttribute('data-phase', 'running', {
      timeout: 30000
    });
    const host = page.locator('.jp-WorkbenchPanel-host', { has: panel });

    await host.locator('.jp-Toolbar-item', { hasText: 'Stop' }).click();
    // The view shows the user's Stop at once; the server follows.
    await expect(panel).toHaveAttribute('data-phase', 'stopped');
    await expect
      .poll(
        async () =>
          (await (await request.get(`${baseURL}/${API}/hello`)).json()).state
      )
      .toBe('stopped');
    let status;

    await panel.getByRole('button', { name: 'Start' }).click();
    await expect(panel).toHaveAttribute('data-phase', 'running', {
      timeout: 30000
    });
    status = await (await request.get(`${baseURL}/${API}/hello`)).json();
    const firstPid = status.pid;

    await host.locator('.jp-Toolbar-item', { hasText: 'Restart' }).click();
    await expect
      .poll(
        async () => {
          const now = await (
            await request.get(`${baseURL}/${API}/hello`)
          ).json();
          return now.state === 'running' && now.pid !== firstPid;
        },
        { timeout: 30000 }
      )
      .toBe(true);
    status = await (await request.get(`${baseURL}/${API}/hello`)).json();
    expect(status.restarts).toBeGreaterThanOrEqual(1);
    const frame = page.frameLocator(
      '.jp-WorkbenchPanel[data-backend="hello"] iframe'
    );
    await expect(frame.locator('#greeting')).toHaveText(
      'Hello from the Workbench'
    );
  });

  test('a running backend is listed in the Running panel and stops from there', async ({
    page,
    request,
    baseURL
  }) => {
    await launcherTile(page, 'hello').click();
    const panel = page.locator('.jp-WorkbenchPanel[data-backend="hello"]');
    await expect(panel).toHaveAttribute('data-phase', 'running', {
      timeout: 30000
    });

    await page.sidebar.openTab('jp-running-sessions');
    const sidebar = page.locator('#jp-running-sessions');
    await expect(
      sidebar.locator('.lm-AccordionPanel-title', { hasText: 'Workbench' })
    ).toBeVisible();
    const item = sidebar.locator(
      '.jp-WorkbenchRunning-item[data-context="hello"]'
    );
    await expect(item.locator('.jp-RunningSessions-itemLabel')).toHaveText(
      'Hello App'
    );
    await expect(item.locator('.jp-RunningSessions-itemDetail')).toHaveText(
      'running'
    );
    await expect(item.locator('.jp-RunningSessions-icon')).toBeVisible();

    // Activating the item brings its tab back to the front.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('launcher:create');
    });
    const current = page.locator(
      '.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current'
    );
    await expect(current).not.toContainText('Hello App');
    await item.locator('.jp-RunningSessions-itemLabel').click();
    await expect(current).toContainText('Hello App');

    // Its shutdown action stops the backend, and the list follows.
    await item.locator('.jp-RunningSessions-itemShutdown').click();
    await expect(item).toHaveCount(0, { timeout: 20000 });
    await expect(panel).toHaveAttribute('data-phase', 'stopped');
    const status = await (await request.get(`${baseURL}/${API}/hello`)).json();
    expect(status.state).toBe('stopped');
    expect(status.pid).toBeNull();
  });

  test('commands are in the palette', async ({ page }) => {
    await page.keyboard.press('Control+Shift+C');
    await page.locator('.lm-CommandPalette-input').fill('Open Hello App');
    await expect(
      page.locator('.lm-CommandPalette-item', { hasText: 'Open Hello App' })
    ).toBeVisible();
    await page.locator('.lm-CommandPalette-input').fill('Restart Hello App');
    await expect(
      page.locator('.lm-CommandPalette-item', { hasText: 'Restart Hello App' })
    ).toBeVisible();
  });
});
