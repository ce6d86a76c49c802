import { galata } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';

import { expect, launcherTile, test } from './fixtures';

/**
 * Start on intent, end to end: the "hello" backend (opted in through the launcher's
 * settings) starts when the pointer rests on its tile or the tile gets focus, and the
 * server (intent_timeout = 4 s, see jupyter_server_test_config.py) stops it again unless
 * it is opened.
 */

const API = 'workbench/api/backends';

async function status(request: APIRequestContext, baseURL?: string) {
  const answer = await request.get(`${baseURL}/${API}/hello`);
  expect(answer.ok()).toBe(true);
  return answer.json();
}

test.use({
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    '@jupyter-workbench/launcher:plugin': {
      startOnIntent: ['hello'],
      intentDelay: 200
    }
  }
});

test.describe('Start on intent', () => {
  test.beforeEach(async ({ request, baseURL }) => {
    await request.post(`${baseURL}/${API}/hello/stop`, { data: {} });
  });

  test.afterEach(async ({ request, baseURL }) => {
    await request.post(`${baseURL}/${API}/hello/stop`, { data: {} });
  });

  test('a pointer resting on the tile starts the backend; not opened, it stops again', async ({
    page,
    request,
    baseURL
  }) => {
    const card = launcherTile(page, 'hello');
    await card.hover();
    await expect
      .poll(async () => (await status(request, baseURL)).state, {
        timeout: 10000
      })
      .toMatch(/^(starting|running)$/);
    const { intent_deadline } = await status(request, baseURL);
    expect(intent_deadline).toBeGreaterThan(Date.now() / 1000);
    await page.mouse.move(0, 0);
    await expect
      .poll(async () => (await status(request, baseURL)).state, {
        timeout: 20000
      })
      .toBe('stopped');
    expect((await status(request, baseURL)).intent_deadline).toBeNull();
  });

  test('opened after the intent start, it keeps running past the deadline', async ({
    page,
    request,
    baseURL
  }) => {
    const card = launcherTile(page, 'hello');
    await card.hover();
    await expect
      .poll(async () => (await status(request, baseURL)).intent_deadline, {
        timeout: 10000
      })
      .not.toBeNull();
    const { intent_deadline } = await status(request, baseURL);
    await card.click();
    const frame = page.frameLocator(
      '.jp-WorkbenchPanel[data-backend="hello"] iframe'
    );
    await expect(frame.locator('#greeting')).toHaveText(
      'Hello from the Workbench',
      { timeout: 20000 }
    );
    expect((await status(request, baseURL)).intent_deadline).toBeNull();
    // Past the deadline the intent start had, it still runs.
    await expect
      .poll(() => Date.now() / 1000, { timeout: 15000 })
      .toBeGreaterThan(intent_deadline + 1);
    expect((await status(request, baseURL)).state).toBe('running');
  });

  test('keyboard focus on the tile starts the backend', async ({
    page,
    request,
    baseURL
  }) => {
    await launcherTile(page, 'hello').focus();
    await expect
      .poll(async () => (await status(request, baseURL)).intent_deadline, {
        timeout: 10000
      })
      .not.toBeNull();
  });
});
