// Times "open → VS Code workbench visible" (and RStudio's page) in Debian's Chromium, and
// records what each open fetched (Chrome DevTools Protocol: headers, bytes on the wire,
// responses from the disk or memory cache). One JSON object on the last stdout line.
//
// Usage: node driver.mjs <mode> <url> [options]
//   tile  <lab url> [--name vscode|rstudio]  open JupyterLab, click the tile, wait in the iframe
//   page  <url> [--gate FIFO --health URL]   navigate, wait for the workbench; with --gate,
//                                             the clock starts, a line is written to FIFO (the
//                                             bench's code-server waits on it), URL is polled
//                                             until it answers, then the page is opened
//   warm  <url>                               VS Code already running: one untimed open, then
//                                             a fresh context's open and the same context's
//                                             second open, each timed, with their assets
//   hold  <url>                               open, print {"ready":true}, stay until stdin ends
import { writeFileSync } from 'node:fs';
import { launchChromium } from '../chromium.mjs';

const [mode, url, ...rest] = process.argv.slice(2);
const opt = name => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : undefined;
};
const name = opt('name') ?? 'vscode';
const target = name === 'rstudio' ? '#rstudio-double' : '.monaco-workbench';
const TIMEOUT = 120000;
const viewport = { width: 1280, height: 800 };

/** Collect every response of `page` through CDP; returns a function summarising them. */
async function recorder(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map();
  const get = id => {
    if (!requests.has(id)) {
      requests.set(id, { wire: 0, decoded: 0, memory: false, disk: false });
    }
    return requests.get(id);
  };
  cdp.on('Network.requestServedFromCache', e => {
    get(e.requestId).memory = true;
  });
  cdp.on('Network.responseReceived', e => {
    const r = get(e.requestId);
    const headers = {};
    for (const [k, v] of Object.entries(e.response.headers)) {
      headers[k.toLowerCase()] = v;
    }
    Object.assign(r, {
      url: e.response.url,
      status: e.response.status,
      type: e.type,
      headers,
      disk: r.disk || Boolean(e.response.fromDiskCache),
      worker: Boolean(e.response.fromServiceWorker),
      protocol: e.response.protocol
    });
  });
  cdp.on('Network.dataReceived', e => {
    get(e.requestId).decoded += e.dataLength;
  });
  cdp.on('Network.loadingFinished', e => {
    get(e.requestId).wire = e.encodedDataLength;
  });
  return () => summarise([...requests.values()].filter(r => r.url));
}

/** Totals over all responses, and over the static assets (JS/CSS/fonts/images). */
function summarise(responses) {
  const isStatic = r =>
    /\.(js|css|ttf|woff2?|svg|png|json|wasm)(\?|$)/.test(
      new URL(r.url).pathname
    ) && !r.url.startsWith('data:');
  const stat = responses.filter(isStatic);
  const sum = (list, f) => list.reduce((n, r) => n + f(r), 0);
  const count = (list, f) => list.filter(f).length;
  const distinct = (list, f) =>
    [...new Set(list.map(f).filter(Boolean))].slice(0, 4);
  const biggest = [...stat].sort((a, b) => b.decoded - a.decoded)[0];
  return {
    responses: responses.length,
    wire_bytes: sum(responses, r => r.wire),
    decoded_bytes: sum(responses, r => r.decoded),
    from_disk: count(responses, r => r.disk),
    from_memory: count(responses, r => r.memory),
    from_worker: count(responses, r => r.worker),
    not_modified: count(responses, r => r.status === 304),
    static: {
      count: stat.length,
      wire_bytes: sum(stat, r => r.wire),
      decoded_bytes: sum(stat, r => r.decoded),
      cache_control: count(stat, r => r.headers['cache-control']),
      cache_control_values: distinct(stat, r => r.headers['cache-control']),
      etag: count(stat, r => r.headers.etag),
      last_modified: count(stat, r => r.headers['last-modified']),
      encoded: count(stat, r => r.headers['content-encoding']),
      encodings: distinct(stat, r => r.headers['content-encoding']),
      from_cache: count(stat, r => r.disk || r.memory),
      not_modified: count(stat, r => r.status === 304)
    },
    biggest: biggest && {
      path: new URL(biggest.url).pathname.split('/').slice(-2).join('/'),
      status: biggest.status,
      wire_bytes: biggest.wire,
      decoded_bytes: biggest.decoded,
      cache_control: biggest.headers['cache-control'] ?? null,
      etag: biggest.headers.etag ?? null,
      content_encoding: biggest.headers['content-encoding'] ?? null,
      from_cache: biggest.disk ? 'disk' : biggest.memory ? 'memory' : null
    }
  };
}

/** Open `url` in a new page of `context`; ms to the workbench, and what was fetched. */
async function timedOpen(context) {
  const page = await context.newPage();
  const summary = await recorder(context, page);
  const start = Date.now();
  await page.goto(url, { timeout: TIMEOUT });
  await page.waitForSelector(target, { timeout: TIMEOUT });
  const ms = Date.now() - start;
  await page
    .waitForLoadState('networkidle', { timeout: 10000 })
    .catch(() => {});
  return { ms, assets: summary(), page };
}

async function waitHealthy(health) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    try {
      const response = await fetch(health);
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${health} did not answer within ${TIMEOUT} ms`);
    }
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}

const browser = await launchChromium();
try {
  let result;
  if (mode === 'page') {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const summary = await recorder(context, page);
    const start = Date.now();
    if (opt('gate')) {
      writeFileSync(opt('gate'), 'go\n');
      await waitHealthy(opt('health'));
    }
    await page.goto(url, { timeout: TIMEOUT });
    await page.waitForSelector(target, { timeout: TIMEOUT });
    const ms = Date.now() - start;
    await page
      .waitForLoadState('networkidle', { timeout: 10000 })
      .catch(() => {});
    result = { ms, assets: summary() };
  } else if (mode === 'warm') {
    const prime = await browser.newContext({ viewport });
    await (await timedOpen(prime)).page.close();
    await prime.close();
    const context = await browser.newContext({ viewport });
    const fresh = await timedOpen(context);
    await fresh.page.close();
    const same = await timedOpen(context);
    result = {
      fresh_ms: fresh.ms,
      same_ms: same.ms,
      fresh: fresh.assets,
      same: same.assets
    };
  } else if (mode === 'hold') {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(url, { timeout: TIMEOUT });
    await page.waitForSelector(target, { timeout: TIMEOUT });
    console.log(JSON.stringify({ ready: true }));
    await new Promise(resolve => {
      process.stdin.on('end', resolve);
      process.stdin.resume();
    });
    result = { held: true };
  } else if (mode === 'tile') {
    const page = await browser.newPage({ viewport });
    await page.goto(url + '?reset'); // a fresh workspace: the launcher is open
    await page.waitForSelector('.jp-Launcher-sectionTitle', { timeout: 60000 });
    const start = Date.now();
    await page
      .locator('.jp-LauncherCard', {
        has: page.locator(`[data-workbench-tile="${name}"]`)
      })
      .click();
    await page
      .frameLocator(`.jp-WorkbenchPanel[data-backend="${name}"] iframe`)
      .locator(target)
      .waitFor({ timeout: TIMEOUT });
    result = { ms: Date.now() - start };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
