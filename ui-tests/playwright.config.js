/**
 * Galata configuration: a real JupyterLab (with the Workbench) under a JupyterHub-like
 * base URL, driven through Debian's Chromium (never a downloaded browser).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const chromium = require('../scripts/chromium.js');

const PORT = Number(process.env.WORKBENCH_UI_PORT || 8888);
const BASE_PATH = '/user/alice';
const GPU_PORT = Number(process.env.WORKBENCH_UI_GPU_PORT || 8889);
const GL_PORT = Number(process.env.WORKBENCH_UI_GL_PORT || 8890);

module.exports = {
  ...baseConfig,
  timeout: 90000,
  expect: { timeout: 20000 },
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${PORT}${BASE_PATH}`,
    video: 'off',
    trace: 'off',
    launchOptions: chromium
  },
  webServer: [
    {
      command: `jupyter lab --config jupyter_server_test_config.py --port ${PORT}`,
      url: `http://localhost:${PORT}${BASE_PATH}/lab`,
      timeout: 120000,
      reuseExistingServer: !process.env.CI,
      stdout: process.env.WORKBENCH_UI_DEBUG ? 'pipe' : 'ignore',
      stderr: process.env.WORKBENCH_UI_DEBUG ? 'pipe' : 'ignore'
    },
    // The GPU panel on a replayed real capture (see jupyter_server_gpu_replay_config.py).
    {
      command: `jupyter lab --config jupyter_server_gpu_replay_config.py --port ${GPU_PORT}`,
      url: `http://localhost:${GPU_PORT}${BASE_PATH}/lab`,
      timeout: 120000,
      reuseExistingServer: !process.env.CI,
      stdout: process.env.WORKBENCH_UI_DEBUG ? 'pipe' : 'ignore',
      stderr: process.env.WORKBENCH_UI_DEBUG ? 'pipe' : 'ignore'
    },
    // A desktop rendering through VirtualGL's EGL back end (see jupyter_server_3d_config.py).
    {
      command: `jupyter lab --config jupyter_server_3d_config.py --port ${GL_PORT}`,
      url: `http://localhost:${GL_PORT}${BASE_PATH}/lab`,
      timeout: 120000,
      reuseExistingServer: !process.env.CI,
      stdout: process.env.WORKBENCH_UI_DEBUG ? 'pipe' : 'ignore',
      stderr: process.env.WORKBENCH_UI_DEBUG ? 'pipe' : 'ignore'
    }
  ]
};
