// Browser side of the GPU benchmark's JavaScript figure: loads JupyterLab in headless
// Chromium, records every file of the gpu labextension fetched until the page is idle,
// then opens the GPU panel and records what that fetches. Prints one JSON line:
//   {"start": {"file": bytes, …}, "panel": {"file": bytes, …}}
// Usage: node bench/gpu/loads.mjs http://127.0.0.1:PORT/lab?token=…
import { launchChromium } from '../chromium.mjs';

const STATIC = '/lab/extensions/@jupyter-workbench/gpu/static/';

const browser = await launchChromium();
const page = await browser.newPage();
const files = { start: {}, panel: {} };
let phase = 'start';
const pending = [];
page.on('requestfinished', request => {
  if (!request.url().includes(STATIC)) {
    return;
  }
  const name = request.url().split('/').pop().split('?')[0];
  const at = phase;
  pending.push(
    request.response().then(async response => {
      files[at][name] = (await response.body()).length;
    })
  );
});
await page.goto(process.argv[2]);
await page.waitForFunction(
  () => window.jupyterapp?.started !== undefined,
  null,
  {
    timeout: 120000
  }
);
await page.evaluate(() => window.jupyterapp.started);
await page.waitForSelector('.jp-WorkbenchGpu-status', { timeout: 60000 });
await page.waitForLoadState('networkidle');
await Promise.all(pending);
phase = 'panel';
await page.evaluate(() =>
  window.jupyterapp.commands.execute('workbench-gpu:open')
);
await page.waitForSelector('.jp-WorkbenchGpu-card', {
  timeout: 60000
});
await page.waitForLoadState('networkidle');
await Promise.all(pending);
process.stdout.write(JSON.stringify(files) + '\n');
await browser.close();
