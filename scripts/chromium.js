/**
 * Debian's Chromium and the flags these machines need, shared by the Galata config and
 * the benchmark drivers (never a downloaded browser).
 */
module.exports = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run'
  ]
};
