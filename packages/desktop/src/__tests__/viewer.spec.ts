import { nullTranslator } from '@jupyterlab/translation';
import type {
  IBackendInfo,
  WorkbenchClient
} from '@jupyter-workbench/services';

import { DesktopViewer } from '../viewer';

/** Set when the noVNC module is loaded (the lazy chunk, in the built extension). */
const loaded = { novnc: false };

jest.mock('@novnc/novnc', () => {
  loaded.novnc = true;
  return { __esModule: true, default: class {} };
});

describe('DesktopViewer.connect', () => {
  it('fetches noVNC while the desktop starts, not after', async () => {
    const started = new Promise(() => undefined); // the desktop is still starting
    const client = {
      start: jest.fn(() => started),
      getBackend: jest.fn(() => started)
    } as unknown as WorkbenchClient;
    const viewer = new DesktopViewer({
      backend: {
        name: 'desktop',
        title: 'Desktop',
        url: '/desktop/'
      } as unknown as IBackendInfo,
      client,
      settings: {
        scaling: 'remote',
        hidpi: false,
        quality: 6,
        compression: 2,
        viewOnly: false,
        reconnect: true
      } as unknown as DesktopViewer.IOptions['settings'],
      translator: nullTranslator
    });
    void viewer.connect();
    for (let i = 0; i < 10 && !loaded.novnc; i++) {
      await new Promise(resolve => setTimeout(resolve, 0));
    }
    expect(client.start).toHaveBeenCalledWith('desktop');
    expect(loaded.novnc).toBe(true); // the start has not answered yet
    viewer.dispose();
  });
});
