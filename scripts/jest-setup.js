/**
 * Jest: what jsdom lacks and JupyterLab's widgets use at import or render time
 * (the same gaps JupyterLab's own test shim fills).
 */
if (typeof globalThis.DragEvent === 'undefined') {
  // @lumino/dragdrop subclasses it when it loads.
  globalThis.DragEvent = class DragEvent extends MouseEvent {};
}
if (typeof globalThis.requestIdleCallback === 'undefined') {
  // ReactWidget resolves its render promise from it.
  globalThis.requestIdleCallback = callback => setTimeout(callback, 0);
  globalThis.cancelIdleCallback = handle => clearTimeout(handle);
}
if (typeof window.matchMedia !== 'function') {
  // The web components behind @jupyterlab/ui-components query media when they load.
  window.matchMedia = query => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false
  });
}
