// Browser side of the start-on-intent benchmark: one cold open of a backend from its
// JupyterLab launcher tile, in Debian's Chromium (bench/chromium.mjs).
// Usage: node driver.mjs <lab url> <backend> <rest ms>
//   The pointer moves onto the tile, rests there <rest ms> (what a user does before the
//   click; with start on intent, the backend starts meanwhile), then clicks. Printed: the
//   milliseconds from the click to the backend being visible: for a desktop, the first
//   frame painted in the viewer's canvas; for VS Code, .monaco-workbench in its iframe.
import { launchChromium } from '../chromium.mjs';

const [url, name, restArg] = process.argv.slice(2);
const rest = Number(restArg || 0);
const browser = await launchChromium();
try {
  const page = await browser.newPage({
    viewport: { width: 1280, height: 800 }
  });
  await page.goto(url + '?reset'); // a fresh workspace: the launcher is open
  const tile = page.locator('.jp-LauncherCard', {
    has: page.locator(`[data-workbench-tile="${name}"]`)
  });
  await tile.waitFor({ timeout: 60000 });
  // Let the catalogue and the settings load (the tile knows the backend is stopped).
  await page.waitForLoadState('networkidle');
  const box = await tile.boundingBox();
  if (!box) {
    throw new Error(`the ${name} tile has no box`);
  }
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y, { steps: 4 });
  if (rest > 0) {
    await page.waitForTimeout(rest);
  }
  const start = Date.now();
  await page.mouse.click(x, y);
  if (name.startsWith('desktop')) {
    // First frame: noVNC's canvas starts transparent; the first framebuffer update makes
    // its pixels opaque (black included).
    await page.waitForFunction(
      backend => {
        const canvas = document.querySelector(
          `.jp-WorkbenchDesktop[data-backend="${backend}"] canvas`
        );
        if (!canvas || !canvas.width || !canvas.height) {
          return false;
        }
        const ctx = canvas.getContext('2d');
        const px = ctx.getImageData(
          canvas.width >> 1,
          canvas.height >> 1,
          1,
          1
        );
        return px.data[3] === 255;
      },
      name,
      { timeout: 120000, polling: 'raf' }
    );
  } else {
    await page
      .frameLocator(`.jp-WorkbenchPanel[data-backend="${name}"] iframe`)
      .locator('.monaco-workbench')
      .waitFor({ timeout: 120000 });
  }
  console.log(JSON.stringify({ ms: Date.now() - start }));
} finally {
  await browser.close();
}
