// Debian's Chromium for the benchmark drivers, launched through the repository's
// playwright-core with the settings the Galata config uses (scripts/chromium.js).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const repoRoot = new URL('../', import.meta.url).pathname;
const { chromium } = require(
  require.resolve('playwright-core', { paths: [repoRoot] })
);
const { executablePath, args } = require('../scripts/chromium.js');

/**
 * Launch headless Chromium ($CHROMIUM, else /usr/bin/chromium).
 */
export function launchChromium() {
  return chromium.launch({ executablePath, args });
}
