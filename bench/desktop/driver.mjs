// Browser side of the desktop benchmark: one headless Chromium page running noVNC
// (bench/desktop/page.html), driven by JSON lines on stdin; answers JSON lines on stdout.
// The page's console messages and errors go to stderr (the bench prints its tail when a
// measurement fails).
//   {"cmd": "open", "page": "http://…/page.html"}
//   {"cmd": "connect", "url": "ws://…", "retries": 5}  → {started, connected, painted, attempts}
//   {"cmd": "key", "n": 20}                            → {median, samples}
//   {"cmd": "fps", "seconds": 5}                       → {start, end, frames, messages, bytes}
//   {"cmd": "disconnect"} / {"cmd": "quit"}
import readline from 'node:readline';

import { launchChromium } from '../chromium.mjs';

const browser = await launchChromium();
const context = await browser.newContext({
  viewport: { width: 1920, height: 1080 }
});
const page = await context.newPage();
page.on('console', msg =>
  process.stderr.write(`[page ${msg.type()}] ${msg.text()}\n`)
);
page.on('pageerror', err => process.stderr.write(`[page error] ${err}\n`));

function reply(data) {
  process.stdout.write(JSON.stringify(data) + '\n');
}

async function connect(url, retries) {
  const first = Date.now();
  let lastError = null;
  for (let attempt = 1; attempt <= retries; attempt++) {
    try {
      const result = await page.evaluate(u => window.bench.connect(u), url);
      return { ...result, started: first, attempts: attempt };
    } catch (err) {
      lastError = String(err.message || err);
      await page.evaluate(() => window.bench.disconnect());
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  }
  throw new Error(`connect failed after ${retries} attempts: ${lastError}`);
}

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const msg = JSON.parse(line);
  try {
    if (msg.cmd === 'open') {
      await page.goto(msg.page);
      await page.waitForFunction(() => window.benchReady === true);
      reply({ ok: true });
    } else if (msg.cmd === 'connect') {
      reply({ ok: true, ...(await connect(msg.url, msg.retries || 1)) });
    } else if (msg.cmd === 'key') {
      reply({
        ok: true,
        ...(await page.evaluate(n => window.bench.keyLatency(n), msg.n || 20))
      });
    } else if (msg.cmd === 'fps') {
      const fps = await page.evaluate(
        s => window.bench.fps(s),
        msg.seconds || 5
      );
      reply({ ok: true, ...fps });
    } else if (msg.cmd === 'disconnect') {
      await page.evaluate(() => window.bench.disconnect());
      reply({ ok: true });
    } else if (msg.cmd === 'quit') {
      reply({ ok: true });
      break;
    } else {
      reply({ ok: false, error: `unknown command ${msg.cmd}` });
    }
  } catch (err) {
    process.stderr.write(`[driver] ${msg.cmd} failed: ${err.stack || err}\n`);
    reply({ ok: false, error: String(err.message || err) });
  }
}
await browser.close();
