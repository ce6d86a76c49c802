import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { Page } from '@playwright/test';

import { expect, test } from './fixtures';

/**
 * The remote desktop, end to end: real Xvnc + Openbox behind the Workbench, noVNC in
 * Debian's Chromium. The test reads the X display (and its cookie) from the API and
 * drives the session with real X clients (xsetroot, xterm, xclip, xdpyinfo).
 */

const API = 'workbench/api/backends';

interface IDesktopStatus {
  state: string;
  display: string | null;
  xauthority: string | null;
  xvnc_pid: number | null;
}

async function status(
  request: any,
  baseURL: string | undefined
): Promise<IDesktopStatus> {
  return (await request.get(`${baseURL}/${API}/desktop`)).json();
}

function x(
  env: IDesktopStatus,
  command: string,
  args: string[],
  input?: string
): string {
  return execFileSync(command, args, {
    env: { ...process.env, DISPLAY: env.display!, XAUTHORITY: env.xauthority! },
    input,
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

async function openDesktop(page: Page): Promise<void> {
  await page
    .locator('.jp-LauncherCard', {
      has: page.locator('[data-workbench-tile="desktop"]')
    })
    .click();
  await expect(
    page.locator('.jp-WorkbenchDesktop[data-backend="desktop"]')
  ).toHaveAttribute('data-state', 'connected', { timeout: 30000 });
  await expect(page.locator('.jp-WorkbenchDesktop canvas')).toBeVisible();
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

test.describe('Remote desktop', () => {
  test.describe.configure({ mode: 'serial' });

  test.afterAll(async ({ request, baseURL }) => {
    await request.post(`${baseURL}/${API}/desktop/stop`, { data: {} });
  });

  test('noVNC is loaded only when a desktop opens', async ({ page }) => {
    const novnc: string[] = [];
    page.on('request', req => {
      if (/novnc/i.test(req.url())) {
        novnc.push(req.url());
      }
    });
    await page.reload();
    await page.waitForSelector('.jp-Launcher-sectionTitle');
    await page.waitForTimeout(1000);
    expect(novnc).toEqual([]);
    await openDesktop(page);
    expect(novnc.length).toBeGreaterThan(0);
  });

  test('shows the session, paints its colour and says software rendering', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const desktop = await status(request, baseURL);
    expect(desktop.state).toBe('running');
    expect(desktop.display).toMatch(/^:\d+$/);
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
    const xterm = spawn(
      'xterm',
      [
        '-geometry',
        '80x10+0+0',
        '-e',
        'sh',
        '-c',
        `read line; echo "$line" > ${out}`
      ],
      {
        env: {
          ...process.env,
          DISPLAY: desktop.display!,
          XAUTHORITY: desktop.xauthority!
        },
        stdio: 'ignore'
      }
    );
    try {
      await expect
        .poll(
          () =>
            tryX(desktop, 'xdotool', ['search', '--class', 'xterm']).trim()
              .length > 0,
          {
            timeout: 15000
          }
        )
        .toBe(true);
      const canvas = page.locator('.jp-WorkbenchDesktop canvas');
      await canvas.click({ position: { x: 40, y: 40 } });
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

  test('clipboard works both ways', async ({ page, request, baseURL }) => {
    await openDesktop(page);
    const desktop = await status(request, baseURL);
    // Desktop → browser: xclip owns the selection until it is read.
    const owner = spawn(
      'xclip',
      ['-selection', 'clipboard', '-loops', '0', '-quiet'],
      {
        env: {
          ...process.env,
          DISPLAY: desktop.display!,
          XAUTHORITY: desktop.xauthority!
        },
        stdio: ['pipe', 'ignore', 'ignore']
      }
    );
    owner.stdin!.end('from the desktop');
    await page
      .locator('.jp-WorkbenchDesktop-host .jp-Toolbar-item', {
        hasText: 'Clipboard'
      })
      .click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('textarea')).toHaveValue('from the desktop', {
      timeout: 15000
    });
    owner.kill();
    // Browser → desktop.
    await dialog.locator('textarea').fill('from the browser');
    await dialog.getByRole('button', { name: 'Send to desktop' }).click();
    await expect
      .poll(() => tryX(desktop, 'xclip', ['-o', '-selection', 'clipboard']), {
        timeout: 15000
      })
      .toBe('from the browser');
  });

  test('resizing the tab resizes the X screen', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const desktop = await status(request, baseURL);
    const dimensions = () =>
      /dimensions:\s+(\d+x\d+)/.exec(x(desktop, 'xdpyinfo', []))?.[1] ?? '';
    const canvasSize = async () =>
      page.evaluate(() => {
        const el = document.querySelector(
          '.jp-WorkbenchDesktop-screen'
        ) as HTMLElement;
        return `${el.clientWidth}x${el.clientHeight}`;
      });
    await expect.poll(dimensions, { timeout: 15000 }).toBe(await canvasSize());
    const before = dimensions();
    const viewport = page.viewportSize()!;
    await page.setViewportSize({
      width: viewport.width - 160,
      height: viewport.height - 100
    });
    await expect.poll(dimensions, { timeout: 15000 }).not.toBe(before);
    await expect.poll(dimensions, { timeout: 15000 }).toBe(await canvasSize());
  });

  test('reconnects by itself after Xvnc is killed', async ({
    page,
    request,
    baseURL
  }) => {
    await openDesktop(page);
    const before = await status(request, baseURL);
    process.kill(before.xvnc_pid!, 'SIGKILL');
    const viewer = page.locator('.jp-WorkbenchDesktop[data-backend="desktop"]');
    await expect(viewer).not.toHaveAttribute('data-state', 'connected', {
      timeout: 15000
    });
    await expect(viewer).toHaveAttribute('data-state', 'connected', {
      timeout: 60000
    });
    const after = await status(request, baseURL);
    expect(after.state).toBe('running');
    expect(after.xvnc_pid).not.toBe(before.xvnc_pid);
  });
});
