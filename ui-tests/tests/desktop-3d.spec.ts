import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { Page } from '@playwright/test';

import { expect, launcherTile, test } from './fixtures';

/**
 * The 3D desktop, end to end, on the server of jupyter_server_3d_config.py: a desktop in
 * VirtualGL's EGL back end (Mesa's software EGL device, admitted there by
 * `allow_software_egl`), in Debian's Chromium through noVNC.
 *
 * - The desktop greets: what the canvas first paints is not one uniform colour (a panel,
 *   a background, a terminal), read from the noVNC canvas's pixels.
 * - A GL program started in the desktop under vglrun (server-ext/tests/desktop/gl_clear.c,
 *   compiled here) clears its window to a known colour: that colour is read back from the
 *   canvas, having travelled GL → VirtualGL's readback → Xvnc → RFB → noVNC.
 * - The toolbar badge says both facts: VirtualGL in use, not accelerated.
 */

const GL_PORT = Number(process.env.WORKBENCH_UI_GL_PORT || 8890);
const API = 'workbench/api';
const NAME = 'desktop-gl';
const GL_CLEAR_C = path.resolve(
  __dirname,
  '../../server-ext/tests/desktop/gl_clear.c'
);
/** The GL window (x, y, width, height) and its colour: not a default of anything. */
const WINDOW = [200, 150, 240, 160];
const COLOUR = [23, 187, 91];

test.use({ baseURL: `http://localhost:${GL_PORT}/user/alice` });

interface IStatus {
  state: string;
  desktop?: { display: string | null; xauthority: string | null };
}

function viewer(page: Page) {
  return page.locator(`.jp-WorkbenchDesktop[data-backend="${NAME}"]`);
}

/**
 * Facts about the canvas's pixels in a rectangle (default: all of it), computed in the
 * page: how many distinct colours, and the share within 2 of `colour` per channel.
 */
async function canvasStats(
  page: Page,
  rect: number[] | null,
  colour: number[]
): Promise<{ distinct: number; share: number; first: number[] }> {
  return page.evaluate(
    ([r, c]) => {
      // The screen: the viewer's largest canvas (noVNC adds a small cursor canvas).
      const canvas = [
        ...document.querySelectorAll<HTMLCanvasElement>(
          '.jp-WorkbenchDesktop canvas'
        )
      ].sort((a, b) => b.width * b.height - a.width * a.height)[0];
      const [x, y, w, h] = r ?? [0, 0, canvas.width, canvas.height];
      const data = canvas.getContext('2d')!.getImageData(x, y, w, h).data;
      const seen = new Set<number>();
      let hits = 0;
      for (let i = 0; i < data.length; i += 4) {
        seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        if (
          Math.abs(data[i] - c[0]) <= 2 &&
          Math.abs(data[i + 1] - c[1]) <= 2 &&
          Math.abs(data[i + 2] - c[2]) <= 2
        ) {
          hits++;
        }
      }
      return {
        distinct: seen.size,
        share: hits / (data.length / 4),
        first: [data[0], data[1], data[2]]
      };
    },
    [rect, colour] as [number[] | null, number[]]
  );
}

/** How many distinct colours the canvas shows (1 before the first frame: all black). */
async function distinctColours(page: Page): Promise<number> {
  return (await canvasStats(page, null, COLOUR)).distinct;
}

/** The share of the GL window's pixels that show `COLOUR`. */
async function glShare(page: Page): Promise<number> {
  return (await canvasStats(page, WINDOW, COLOUR)).share;
}

test.describe('3D desktop (VirtualGL)', () => {
  test.describe.configure({ mode: 'serial' });

  let gl: ChildProcess | null = null;

  test.afterAll(async ({ request, baseURL }) => {
    gl?.kill();
    await request.post(`${baseURL}/${API}/backends/${NAME}/stop`, { data: {} });
  });

  test('greets with a painted desktop, and a GL window reaches the canvas through VirtualGL', async ({
    page,
    request,
    baseURL
  }, testInfo) => {
    test.setTimeout(240000);
    test.skip(
      !fs.existsSync('/usr/bin/cc'),
      'needs a C compiler and libgl-dev for gl_clear.c'
    );
    await page.goto(`${baseURL}/lab`);
    await launcherTile(page, NAME).click();
    await expect(viewer(page)).toHaveAttribute('data-state', 'connected', {
      timeout: 60000
    });
    const canvas = viewer(page).locator('canvas');
    await expect(canvas).toBeVisible();

    // The desktop greets: what it paints is not one uniform colour (a panel, a background,
    // icons), and stays so (XFCE repaints after the viewer fits the screen to the tab).
    let painted = 0;
    try {
      await expect
        .poll(
          async () => {
            painted = (await distinctColours(page)) > 8 ? painted + 1 : 0;
            return painted;
          },
          { timeout: 120000, intervals: [1000] }
        )
        .toBeGreaterThanOrEqual(5);
    } finally {
      await page.screenshot({ path: testInfo.outputPath('greeting.png') });
    }

    // The renderer report: VirtualGL's EGL back end, honestly not accelerated.
    const report = await (
      await request.get(`${baseURL}/${API}/desktops/${NAME}/renderer`)
    ).json();
    expect(report.mode).toBe('egl');
    expect(report.virtualgl).toBe(true);
    expect(report.accelerated).toBe(false);
    await expect(page.locator('.jp-WorkbenchDesktop-renderer')).toHaveText(
      'VirtualGL (EGL) · llvmpipe, not accelerated',
      { timeout: 30000 }
    );
    await expect(page.locator('.jp-WorkbenchDesktop-renderer')).toHaveAttribute(
      'data-accelerated',
      'false'
    );

    // A GL program in the desktop, under vglrun as the session's apps run.
    const status: IStatus = await (
      await request.get(`${baseURL}/${API}/backends/${NAME}`)
    ).json();
    const exe = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'wb-gl-')),
      'gl_clear'
    );
    execFileSync('cc', ['-O1', '-o', exe, GL_CLEAR_C, '-lGL', '-lX11']);
    const vglrun: string[] = report.command.slice(0, 3); // vglrun -d egl0
    expect(path.basename(vglrun[0])).toBe('vglrun');
    expect(await glShare(page)).toBeLessThan(0.5);
    gl = spawn(
      vglrun[0],
      [...vglrun.slice(1), exe, ...COLOUR.map(String), ...WINDOW.map(String)],
      {
        env: {
          ...process.env,
          DISPLAY: status.desktop!.display!,
          XAUTHORITY: status.desktop!.xauthority!,
          VGL_COMPRESS: 'proxy'
        },
        stdio: ['ignore', 'pipe', 'pipe']
      }
    );
    let said = '';
    gl.stdout!.on('data', chunk => (said += chunk));
    gl.stderr!.on('data', chunk => (said += chunk));
    try {
      await expect
        .poll(() => glShare(page), { timeout: 60000 })
        .toBeGreaterThan(0.95);
    } finally {
      await page.screenshot({ path: testInfo.outputPath('gl-window.png') });
    }
    expect(said).toContain('glx vendor: VirtualGL');
    expect(said).toContain('llvmpipe');
    // The colour is the window's, not the whole screen's.
    const outside = await canvasStats(
      page,
      [WINDOW[0] - 20, WINDOW[1] + 20, 1, 1],
      COLOUR
    );
    expect(outside.share).toBe(0);
  });
});
