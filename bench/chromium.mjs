// Debian's Chromium for the benchmark drivers, launched through the repository's
// playwright-core with the flags these machines need (never a downloaded browser).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const repoRoot = new URL('../', import.meta.url).pathname;
const { chromium } = require(
  require.resolve('playwright-core', { paths: [repoRoot] })
);

/**
 * Launch headless Chromium ($CHROMIUM, else /usr/bin/chromium).
 */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run'
    ]
  });
}
