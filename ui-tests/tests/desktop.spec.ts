import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { APIRequestContext, Page } from '@playwright/test';

import { expect, launcherTile, test } from './fixtures';

/**
 * The remote desktop, end to end: real Xvnc + window manager behind the Workbench, noVNC
 * in Debian's Chromium. The tests read the X display (and its cookie) from the API and
 * drive the session with real X clients (xsetroot, xterm, xclip, xdpyinfo).
 *
 * Two tests need more desktop profiles than the default one (a second software desktop
 * "desktop2" and "desktop3d" with `gpu: "require"`, see jupyter_server_test_config.py);
 * they are skipped, saying so, on a server without them.
 */

const API = 'workbench/api/backends';

/** The built labextension (served by the test server through the venv symlink). */
const STATIC_DIR = path.resolve(
  __dirname,
  '../../server-ext/jupyter_workbench/labextensions/@jupyter-workbench/desktop/static'
);

/** A string of noVNC's own code (core/rfb.js), kept by minifiers. */
const NOVNC_SIGNATURE = 'noVNC requires a secure context';

interface IDesktopStatus {
  name: string;
  kind: string;
  state: string;
  /** The desktop feature's facts (absent for other backends). */
  desktop?: {
    display: string | null;
    xauthority: string | null;
    xvnc_pid: number | null;
  };
}

async function status(
  request: APIRequestContext,
  baseURL: string | undefined,
  name = 'desktop'
): Promise<IDesktopStatus> {
  return (await request.get(`${baseURL}/${API}/${name}`)).json();
}

async function desktopNames(
  request: APIRequestContext,
  baseURL: string | undefined
): Promise<string[]> {
  const catalogue = await (await request.get(`${baseURL}/${API}`)).json();
  return catalogue.backends
    .filter((b: IDesktopStatus) => b.kind === 'desktop')
    .map((b: IDesktopStatus) => b.name);
}

function xenv(env: IDesktopStatus): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DISPLAY: env.desktop!.display!,
    XAUTHORITY: env.desktop!.xauthority!
  };
}

function x(env: IDesktopStatus, command: string, args: string[]): string {
  return execFileSync(command, args, {
    env: xenv(env),
    timeout: 10000
  }).toString();
}

function tryX(env: IDesktopStatus, command: string, args: string[]): string {
  try {
    return x(env, command, args);
  } catch {
    return '';
  }
}

/** The X screen size, e.g. "1000x600". */
function screenSize(env: IDesktopStatus): string {
  return /dimensions:\s+(\d+x\d+)/.exec(tryX(env, 'xdpyinfo', []))?.[1] ?? '';
}

/**
 * An xclip in the session that owns its clipboard with `text` until it is killed.
 */
function ownDesktopClipboard(
  desktop: IDesktopStatus,
  text: string
): ChildProcess {
  const owner = spawn(
    'xclip',
    ['-selection', 'clipboard', '-loops', '0', '-quiet'],
    { env: xenv(desktop), stdio: ['pipe', 'ignore', 'ignore'] }
  );
  owner.stdin!.end(text);
  return owner;
}

function viewer(page: Page, name = 'desktop') {
  return page.locator(`.jp-WorkbenchDesktop[data-backend="${name}"]`);
}

async function openDesktop(page: Page, name = 'desktop'): Promise<void> {
  const card = launcherTile(page, name);
  if (!(await card.isVisible())) {
    await openLauncher(page);
  }
  await card.click();
  await expect(viewer(page, name)).toHaveAttribute('data-state', 'connected', {
    timeout: 30000
  });
  await expect(viewer(page, name).locator('canvas')).toBeVisible();
}

async function pixel(page: Page, atX: number, atY: number): Promise<number[]> {
  return page.evaluate(
    ([px, py]) => {
      const canvas = document.querySelector(
        '.jp-WorkbenchDesktop canvas'
      ) as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(px, py, 1, 1).data;
      return [data[0], data[1], data[2]];
    },
    [atX, atY]
  );
}

/** The size the viewer asks for: CSS size × ratio, rounded down to even numbers. */
async function expectedSize(page: Page, ratio: number): Promise<string> {
  return page.evaluate(r => {
    const el = document.querySelector('.jp-WorkbenchDesktop-screen')!;
    const { width, height } = el.getBoundingClientRect();
    const even = (v: number) => Math.floor((v * r) / 2) * 2;
    return `${even(width)}x${even(height)}`;
  }, ratio);
}

/** The main-area tab titled exactly `title`. */
function tab(page: Page, title: string) {
  return page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
    has: page.locator('.lm-TabBar-tabLabel', {
      hasText: new RegExp(`^${title}$`)
    })
  });
}

/** Open a new Launcher tab (opening a tile replaces the Launcher). */
async function openLauncher(page: Page): Promise<void> {
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('launcher:create')
  );
  await expect(
    page.locator('.jp-Launcher-sectionTitle:visible').first()
  ).toBeVisible();
}

/** Start `xterm -e sh -c script` on the desktop and wait for its window. */
async function startXterm(
  env: IDesktopStatus,
  script: string
): Promise<ChildProcess> {
  const xterm = spawn(
    'xterm',
    ['-geometry', '80x10+0+0', '-e', 'sh', '-c', script],
    { env: xenv(env), stdio: 'ignore' }
  );
  await expect
    .poll(
      () =>
        tryX(env, 'xdotool', [
          'search',
          '--onlyvisible',
          '--class',
          'xterm'
        ]).trim().length > 0,
      { timeout: 15000 }
    )
    .toBe(true);
  return xterm;
}

test.describe('Remote desktop', () => {
  test.describe.configure({ mode: 'serial' });

  test.afterAll(async ({ request, baseURL }) => {
    for (const name of await desktopNames(request, baseURL)) {
      await request.post(`${baseURL}/${API}/${name}/stop`, { data: {} });
    }
  });

  test('noVNC is loaded only when a desktop opens', async ({
    page,
    request,
    baseURL
  }) => {
    await request.post(`${baseURL}/${API}/desktop/stop`, { data: {} });
    // The chunks of the built labextension that hold noVNC's code.
    const chunks = fs
      .readdirSync(STATIC_DIR)
      .filter(file => file.endsWith('.js'))
      .filter(file =>
        fs
          .readFileSync(path.join(STATIC_DIR, file), 'utf8')
          .includes(NOVNC_SIGNATURE)
      );
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.filter(file => file.startsWith('remoteEntry'))).toEqual([]);
    const requested: string[] = [];
    const desktopAssets: string[] = [];
    let chunkRequestedAt = Infinity;
    let startAnsweredAt = -Infinity;
    page.on('request', req => {
      const file = new URL(req.url()).pathname;
      if (file.includes('/@jupyter-workbench/desktop/')) {
        desktopAssets.push(path.basename(file));
      }
      if (chunks.some(chunk => file.endsWith(`/${chunk}`))) {
        requested.push(path.basename(file));
        chunkRequestedAt = Math.min(chunkRequestedAt, Date.now());
      }
    });
    page.on('response', res => {
      if (new URL(res.url()).pathname.endsWith(`/${API}/desktop/start`)) {
        startAnsweredAt = Date.now();
      }
    });
    await page.reload();
    await page.waitForSelector('.jp-Launcher-sectionTitle');
    await page.waitForLoadState('networkidle');
    // The extension itself did load (its plugin registers the desktop opener)…
    expect(desktopAssets.some(file => file.startsWith('remoteEntry'))).toBe(
      true
    );
    // …but not noVNC.
    expect(requested).toEqual([]);
    await openDesktop(page);
    expect(requested.sort()).toEqual([...chunks].sort());
    // The chunk is fetched while the (stopped) desktop starts, not after.
    expect(startAnsweredAt).toBeGreaterThan(0);
    expect(chunkRequestedAt).toBeLessThan(startAnsweredAt);
  });

  test('shows the session, paints its colour and says software rendering', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const desktop = await status(request, baseURL);
    expect(desktop.state).toBe('running');
    expect(desktop.desktop!.display).toMatch(/^:\d+$/);
    x(desktop, 'xsetroot', ['-solid', '#12ab34']);
    await expect
      .poll(() => pixel(page, 3, 3), { timeout: 15000 })
      .toEqual([0x12, 0xab, 0x34]);
    await expect(page.locator('.jp-WorkbenchDesktop-renderer')).toHaveText(
      'Software (llvmpipe)',
      { timeout: 30000 }
    );
  });

  test('keys typed in the tab reach an xterm', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const desktop = await status(request, baseURL);
    const out = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'wb-keys-')),
      'typed.txt'
    );
    const xterm = await startXterm(desktop, `read line; echo "$line" > ${out}`);
    try {
      await viewer(page)
        .locator('canvas')
        .click({ position: { x: 40, y: 40 } });
      await page.keyboard.type('hello workbench');
      await page.keyboard.press('Enter');
      await expect
        .poll(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8'), {
          timeout: 15000
        })
        .toBe('hello workbench\n');
    } finally {
      xterm.kill();
    }
  });

  test('clipboard panel works both ways', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const desktop = await status(request, baseURL);
    // Desktop → browser: xclip owns the selection until it is killed.
    const owner = ownDesktopClipboard(desktop, 'from the desktop');
    try {
      await page
        .locator('.jp-WorkbenchDesktop-host .jp-Toolbar-item', {
          hasText: 'Clipboard'
        })
        .click();
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog.locator('textarea')).toHaveValue('from the desktop', {
        timeout: 15000
      });
      // Browser → desktop.
      await dialog.locator('textarea').fill('from the browser');
      await dialog.getByRole('button', { name: 'Send to desktop' }).click();
      await expect
        .poll(() => tryX(desktop, 'xclip', ['-o', '-selection', 'clipboard']), {
          timeout: 15000
        })
        .toBe('from the browser');
    } finally {
      owner.kill();
    }
  });

  test('clipboard follows the browser clipboard where the API is allowed', async ({
    page,
    context,
    request,
    baseURL
  }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(baseURL!).origin
    });
    await openDesktop(page);
    const desktop = await status(request, baseURL);
    // Desktop → browser clipboard, without opening the panel.
    const owner = ownDesktopClipboard(desktop, 'copied in the desktop');
    try {
      await expect
        .poll(() => page.evaluate(() => navigator.clipboard.readText()), {
          timeout: 15000
        })
        .toBe('copied in the desktop');
    } finally {
      owner.kill();
    }
    // Browser clipboard → desktop when the user comes back to the tab.
    await page.evaluate(() =>
      navigator.clipboard.writeText('copied in the browser')
    );
    await openLauncher(page);
    await tab(page, 'Desktop').click();
    await expect
      .poll(() => tryX(desktop, 'xclip', ['-o', '-selection', 'clipboard']), {
        timeout: 15000
      })
      .toBe('copied in the browser');
  });

  test('resizing the tab resizes the X screen', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const desktop = await status(request, baseURL);
    await expect
      .poll(() => screenSize(desktop), { timeout: 15000 })
      .toBe(await expectedSize(page, 1));
    const before = screenSize(desktop);
    const viewport = page.viewportSize()!;
    await page.setViewportSize({
      width: viewport.width - 160,
      height: viewport.height - 100
    });
    await expect
      .poll(() => screenSize(desktop), { timeout: 15000 })
      .not.toBe(before);
    await expect
      .poll(() => screenSize(desktop), { timeout: 15000 })
      .toBe(await expectedSize(page, 1));
  });

  test.describe('on a HiDPI screen', () => {
    test.use({ deviceScaleFactor: 2 });

    test('the session has the tab size × devicePixelRatio and is scaled down', async ({
      page,
      request,
      baseURL
    }) => {
      expect(await page.evaluate(() => window.devicePixelRatio)).toBe(2);
      await openDesktop(page);
      const desktop = await status(request, baseURL);
      const expected = await expectedSize(page, 2);
      await expect
        .poll(() => screenSize(desktop), { timeout: 15000 })
        .toBe(expected);
      // The canvas holds every remote pixel and is shown at the tab's CSS size.
      const canvas = await page.evaluate(() => {
        const el = document.querySelector(
          '.jp-WorkbenchDesktop canvas'
        ) as HTMLCanvasElement;
        const screen = document.querySelector('.jp-WorkbenchDesktop-screen')!;
        const box = el.getBoundingClientRect();
        const tab = screen.getBoundingClientRect();
        return {
          backing: `${el.width}x${el.height}`,
          fits: box.width <= tab.width + 1 && box.height <= tab.height + 1,
          scaled: Math.round((el.width / box.width) * 10) / 10
        };
      });
      expect(canvas).toEqual({ backing: expected, fits: true, scaled: 2 });
    });
  });

  test('a second open of the same desktop activates its tab', async ({
    page
  }) => {
    await openDesktop(page);
    await openLauncher(page);
    await expect(viewer(page)).toBeHidden();
    await openDesktop(page);
    await expect(viewer(page)).toHaveCount(1);
    await expect(tab(page, 'Desktop')).toHaveCount(1);
  });

  test('desktop tabs come back after a reload', async ({ page }) => {
    // JupyterLab saves its layout in the workspace shortly after a change: wait for it.
    let saved = false;
    page.on('request', req => {
      if (
        req.method() === 'PUT' &&
        req.url().includes('/api/workspaces') &&
        (req.postData() ?? '').includes('"workbench-desktop:desktop"')
      ) {
        saved = true;
      }
    });
    await openDesktop(page);
    await expect.poll(() => saved, { timeout: 15000 }).toBe(true);
    // Galata's default reload waits for a Launcher tab, which a restored desktop replaces.
    await page.reload({ waitForIsReady: false });
    await expect(tab(page, 'Desktop')).toHaveCount(1, { timeout: 30000 });
    await expect(viewer(page)).toHaveAttribute('data-state', 'connected', {
      timeout: 30000
    });
    await expect(viewer(page).locator('canvas')).toBeVisible();
  });

  test('two desktop profiles open side by side', async ({
    page,
    request,
    baseURL
  }) => {
    const names = await desktopNames(request, baseURL);
    // jupyter_server_test_config.py configures it; a missing profile is a failure.
    expect(names).toContain('desktop2');
    await openDesktop(page, 'desktop');
    await openDesktop(page, 'desktop2');
    await expect(page.locator('.jp-WorkbenchDesktop')).toHaveCount(2);
    const first = await status(request, baseURL, 'desktop');
    const second = await status(request, baseURL, 'desktop2');
    expect(second.state).toBe('running');
    expect(second.desktop!.display).not.toBe(first.desktop!.display);
    // Each tab shows its own session.
    x(second, 'xsetroot', ['-solid', '#3456ab']);
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const canvas = document.querySelector(
              '.jp-WorkbenchDesktop[data-backend="desktop2"] canvas'
            ) as HTMLCanvasElement;
            return Array.from(
              canvas.getContext('2d')!.getImageData(3, 3, 1, 1).data.slice(0, 3)
            );
          }),
        { timeout: 15000 }
      )
      .toEqual([0x34, 0x56, 0xab]);
  });

  test('a desktop that cannot start shows why, its log and Retry', async ({
    page,
    request,
    baseURL
  }) => {
    const names = await desktopNames(request, baseURL);
    expect(names).toContain('desktop3d');
    await launcherTile(page, 'desktop3d').click();
    const failed = viewer(page, 'desktop3d');
    await expect(failed).toHaveAttribute('data-state', 'failed', {
      timeout: 30000
    });
    await expect(
      failed.locator('.jp-WorkbenchDesktop-overlay h2')
    ).toContainText('could not be started');
    // The user's words first; the admin's details (the server's error, the log) folded.
    await expect(failed.locator('.jp-WorkbenchStart-message')).toContainText(
      'needs a graphics card (GPU)'
    );
    const details = failed.locator('details.jp-WorkbenchStart-details');
    await expect(details).not.toHaveAttribute('open');
    await expect(details).toContainText('requires GPU rendering');
    // No empty renderer badge while failed.
    await expect(
      page.locator(
        '.jp-WorkbenchDesktop-host:has([data-backend="desktop3d"]) .jp-WorkbenchDesktop-renderer'
      )
    ).toBeHidden();
    // No WebSocket was opened for a desktop that did not start.
    await expect(failed.locator('canvas')).toHaveCount(0);
    const retry = failed.getByRole('button', { name: 'Retry' });
    await expect(retry).toBeVisible();
    const again = page.waitForRequest(
      req =>
        req.method() === 'POST' &&
        new URL(req.url()).pathname.endsWith('/backends/desktop3d/start')
    );
    await retry.click();
    await again;
    await expect(failed).toHaveAttribute('data-state', 'failed', {
      timeout: 30000
    });
    expect((await status(request, baseURL, 'desktop3d')).state).toBe('failed');
  });

  test('reconnects by itself after Xvnc is killed', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const before = await status(request, baseURL);
    process.kill(before.desktop!.xvnc_pid!, 'SIGKILL');
    await expect(viewer(page)).not.toHaveAttribute('data-state', 'connected', {
      timeout: 15000
    });
    await expect(
      viewer(page).locator('.jp-WorkbenchDesktop-overlay h2')
    ).toContainText('Reconnecting');
    await expect(viewer(page)).toHaveAttribute('data-state', 'connected', {
      timeout: 60000
    });
    const after = await status(request, baseURL);
    expect(after.state).toBe('running');
    expect(after.desktop!.xvnc_pid).not.toBe(before.desktop!.xvnc_pid);
    // The new session is live: paint it and read it back.
    x(after, 'xsetroot', ['-solid', '#ab1234']);
    await expect
      .poll(() => pixel(page, 3, 3), { timeout: 15000 })
      .toEqual([0xab, 0x12, 0x34]);
  });

  test('a desktop stopped from another tab stays stopped until Start', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const stopped = await request.post(`${baseURL}/${API}/desktop/stop`, {
      data: {}
    });
    expect(stopped.ok()).toBe(true);
    await expect(viewer(page)).toHaveAttribute('data-state', 'stopped', {
      timeout: 15000
    });
    await page.waitForTimeout(6000);
    await expect(viewer(page)).toHaveAttribute('data-state', 'stopped');
    expect((await status(request, baseURL)).state).toBe('stopped');
    await viewer(page)
      .locator('.jp-WorkbenchDesktop-overlay')
      .getByRole('button', { name: 'Start' })
      .click();
    await expect(viewer(page)).toHaveAttribute('data-state', 'connected', {
      timeout: 60000
    });
    expect((await status(request, baseURL)).state).toBe('running');
  });

  test('Stop from the tile menu keeps the open tab stopped', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    await openLauncher(page);
    await launcherTile(page, 'desktop').click({ button: 'right' });
    await page.locator('.lm-Menu').getByText('Stop', { exact: true }).click();
    await tab(page, 'Desktop').click();
    const overlay = viewer(page).locator('.jp-WorkbenchDesktop-overlay');
    await expect(viewer(page)).toHaveAttribute('data-state', 'stopped', {
      timeout: 15000
    });
    await expect(overlay.locator('h2')).toHaveText('Desktop is stopped');
    await expect(overlay.getByRole('button', { name: 'Start' })).toBeVisible();
    // More than the old 2 s in which the tab used to start it again.
    await page.waitForTimeout(6000);
    await expect(viewer(page)).toHaveAttribute('data-state', 'stopped');
    expect((await status(request, baseURL)).state).toBe('stopped');
    await expect(
      page
        .locator('.jp-WorkbenchDesktop-host .jp-WorkbenchDesktop-state')
        .first()
    ).toHaveText('Stopped');
  });

  test('stopping a desktop with open windows asks first', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const running = await status(request, baseURL);
    const xterm = await startXterm(running, 'sleep 600');
    try {
      const stop = page.evaluate(() =>
        (window as any).jupyterapp.commands.execute('workbench:stop', {
          name: 'desktop'
        })
      );
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog).toContainText('Stop Desktop?');
      await expect(dialog).toContainText('1 open window');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await stop;
      expect((await status(request, baseURL)).state).toBe('running');
      await expect(viewer(page)).toHaveAttribute('data-state', 'connected');
      const again = page.evaluate(() =>
        (window as any).jupyterapp.commands.execute('workbench:stop', {
          name: 'desktop'
        })
      );
      await dialog.getByRole('button', { name: 'Stop' }).click();
      await again;
      await expect(viewer(page)).toHaveAttribute('data-state', 'stopped');
      expect((await status(request, baseURL)).state).toBe('stopped');
    } finally {
      xterm.kill();
    }
  });

  test('Restart shows its progress in the tile and the view', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const before = await status(request, baseURL);
    await openLauncher(page);
    const tile = launcherTile(page, 'desktop');
    await tile.click({ button: 'right' });
    await page
      .locator('.lm-Menu')
      .getByText('Restart', { exact: true })
      .click();
    await expect(tile).toContainText('Desktop (starting…)');
    await tab(page, 'Desktop').click();
    await expect(
      viewer(page).locator('.jp-WorkbenchDesktop-overlay h2')
    ).toHaveText(/Restarting Desktop…|Connecting to Desktop…/);
    await expect(viewer(page)).toHaveAttribute('data-state', 'connected', {
      timeout: 60000
    });
    const after = await status(request, baseURL);
    expect(after.state).toBe('running');
    expect(after.desktop!.xvnc_pid).not.toBe(before.desktop!.xvnc_pid);
  });

  test('the log opens at its newest lines', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const lines: string[] = (
      await (await request.get(`${baseURL}/${API}/desktop/logs`)).json()
    ).lines;
    expect(lines.length).toBeGreaterThan(10);
    void page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('workbench:logs', {
        name: 'desktop'
      })
    );
    const log = page.locator('.jp-Dialog .jp-WorkbenchLog');
    await expect(log).toContainText(lines[lines.length - 1]);
    const where = await log.evaluate(node => ({
      top: node.scrollTop,
      bottom: node.scrollHeight - node.scrollTop - node.clientHeight
    }));
    expect(where.top).toBeGreaterThan(0);
    expect(where.bottom).toBeLessThan(24);
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Close' })
      .click();
  });
});
