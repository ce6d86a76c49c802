import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';

import { expect, launcherTile, test } from './fixtures';

/**
 * Not a test: regenerates docs/images/desktop.png (a desktop in a Lab tab, with an xterm
 * showing the renderer and glxgears, under the window manager). Run it on purpose:
 *
 *   WORKBENCH_SCREENSHOTS=1 npx playwright test tests/desktop-screenshot.spec.ts
 */

const API = 'workbench/api/backends';
const IMAGE = path.resolve(__dirname, '../../docs/images/desktop.png');

test.skip(
  !process.env.WORKBENCH_SCREENSHOTS,
  'screenshots are made on demand (WORKBENCH_SCREENSHOTS=1)'
);

test('desktop screenshot for the README', async ({
  page,
  request,
  baseURL
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.sidebar.close('left');
  await launcherTile(page, 'desktop').click();
  const viewer = page.locator('.jp-WorkbenchDesktop[data-backend="desktop"]');
  await expect(viewer).toHaveAttribute('data-state', 'connected', {
    timeout: 30000
  });
  await expect(page.locator('.jp-WorkbenchDesktop-renderer')).toHaveText(
    'Software (llvmpipe)',
    { timeout: 30000 }
  );
  const desktop = await (await request.get(`${baseURL}/${API}/desktop`)).json();
  const env = {
    ...process.env,
    DISPLAY: desktop.desktop.display,
    XAUTHORITY: desktop.desktop.xauthority
  };
  spawn('xsetroot', ['-solid', '#2e3440'], { env, stdio: 'ignore' });
  const apps: ChildProcess[] = [
    spawn(
      'xterm',
      [
        '-geometry',
        '84x22+60+50',
        '-T',
        'xterm',
        '-e',
        'sh',
        '-c',
        'glxinfo -B | head -18; echo; echo "Jupyter Workbench desktop"; exec sh'
      ],
      { env, stdio: 'ignore' }
    ),
    spawn('glxgears', ['-geometry', '320x320+720+330'], {
      env,
      stdio: 'ignore'
    })
  ];
  try {
    // JupyterLab's "news" question would cover the picture.
    const no = page.locator('.jp-Notification-Toast-Close, .jp-toast-button', {
      hasText: 'No'
    });
    if (await no.isVisible()) {
      await no.click();
    }
    await page.waitForTimeout(4000);
    await page.screenshot({ path: IMAGE });
  } finally {
    for (const app of apps) {
      app.kill();
    }
    await request.post(`${baseURL}/${API}/desktop/stop`, { data: {} });
  }
});
