// Times "open → VS Code workbench visible" (and RStudio's page) in Debian's Chromium.
// Usage: node driver.mjs <mode> <url> [frame]
//   mode "page": navigate to url, wait for .monaco-workbench (or #rstudio-double)
//   mode "tile": open JupyterLab at url, click the tile named by arg 3, wait inside the iframe
import { launchChromium } from '../chromium.mjs';

const [mode, url, name] = process.argv.slice(2);
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const target = name === 'rstudio' ? '#rstudio-double' : '.monaco-workbench';
let ms;
if (mode === 'page') {
  const start = Date.now();
  await page.goto(url, { timeout: 120000 });
  await page.waitForSelector(target, { timeout: 120000 });
  ms = Date.now() - start;
} else {
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
    .waitFor({ timeout: 120000 });
  ms = Date.now() - start;
}
console.log(JSON.stringify({ ms }));
await browser.close();
