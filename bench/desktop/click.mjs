// Click-level desktop figure: from a click on a Desktop tile in JupyterLab's launcher to
// the first remote frame painted on a visible canvas. One run per invocation, in a fresh
// browser context (an empty HTTP cache, like a first open):
//
//   node click.mjs ours URL       the Workbench tile ([data-workbench-tile="desktop"]);
//                                 the desktop opens in a JupyterLab tab
//   node click.mjs jrdp URL       jupyter-remote-desktop-proxy's launcher entry ("Desktop [↗]",
//                                 jupyter-server-proxy's card); its page opens in a new
//                                 browser window
//
// URL is JupyterLab's (…/lab/workspaces/NAME?reset&token=…). Prints one JSON line:
// {click, painted, ms, load: [...], after: [...]} where load and after are the files
// fetched before and after the click ({url, size, type, novnc}; size in bytes, decoded;
// novnc: the file holds noVNC's RFB client).
// The time of the click is the tile's pointerdown (in the page); the paint is the first
// canvas-to-canvas drawImage (noVNC's flip, in both clients) onto a visible canvas that
// leaves an opaque pixel (noVNC's resize flips a transparent, empty backbuffer first).
import { launchChromium } from '../chromium.mjs';

const [mode, url] = process.argv.slice(2);
if (!['ours', 'jrdp'].includes(mode) || !url) {
  process.stderr.write('usage: node click.mjs ours|jrdp URL\n');
  process.exit(2);
}

function hooks() {
  window.__benchClick = null;
  window.__benchPaint = null;
  document.addEventListener(
    'pointerdown',
    () => {
      if (window.__benchClick === null) window.__benchClick = Date.now();
    },
    true
  );
  const drawImage = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (image, ...args) {
    const result = drawImage.call(this, image, ...args);
    if (
      window.__benchPaint === null &&
      image instanceof HTMLCanvasElement &&
      this.canvas.isConnected &&
      this.canvas.width >= 64 &&
      this.canvas.height >= 64 &&
      args.length === 8
    ) {
      const [, , , , dx, dy, dw, dh] = args;
      const pixel = this.getImageData(
        Math.floor(dx + dw / 2),
        Math.floor(dy + dh / 2),
        1,
        1
      ).data;
      if (pixel[3] === 255) window.__benchPaint = Date.now();
    }
    return result;
  };
}

const browser = await launchChromium();
let phase = 'load';
const files = { load: [], after: [] };
const pending = [];
try {
  const context = await browser.newContext({
    viewport: { width: 1920, height: 1080 }
  });
  await context.addInitScript(hooks);
  context.on('console', msg => {
    if (msg.type() === 'error')
      process.stderr.write(`[console] ${msg.text()}\n`);
  });
  context.on('response', response => {
    const list = files[phase];
    const type = response.request().resourceType();
    if (type !== 'script' && type !== 'stylesheet' && type !== 'document')
      return;
    pending.push(
      response
        .body()
        .then(body =>
          list.push({
            url: response.url(),
            size: body.length,
            type,
            // noVNC's RFB class (its method names survive minification)
            novnc: body.includes('_framebufferUpdate')
          })
        )
        .catch(() => list.push({ url: response.url(), size: null, type }))
    );
  });
  const page = await context.newPage();
  await page.goto(url);
  const tile =
    mode === 'ours'
      ? page.locator('.jp-LauncherCard:visible', {
          has: page.locator('[data-workbench-tile="desktop"]')
        })
      : page.locator('.jp-LauncherCard:visible', {
          has: page.locator('.jp-LauncherCard-label', {
            hasText: /^Desktop( \[↗\])?$/
          })
        });
  await tile.first().waitFor({ state: 'visible', timeout: 120000 });
  // Everything JupyterLab loads at start is in before the click.
  await page
    .waitForLoadState('networkidle', { timeout: 30000 })
    .catch(() => {});
  await page.waitForTimeout(1000);
  await Promise.all(pending);
  phase = 'after';
  let target = page;
  if (mode === 'jrdp') {
    const popup = context.waitForEvent('page', { timeout: 60000 });
    await tile.first().click();
    target = await popup;
  } else {
    await tile.first().click();
  }
  await target.waitForFunction(() => window.__benchPaint !== null, null, {
    timeout: 90000,
    polling: 50
  });
  const click = await page.evaluate(() => window.__benchClick);
  const painted = await target.evaluate(() => window.__benchPaint);
  await Promise.all(pending);
  process.stdout.write(
    JSON.stringify({ click, painted, ms: painted - click, ...files }) + '\n'
  );
} finally {
  await browser.close();
}
