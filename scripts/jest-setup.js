/**
 * Browser APIs that jsdom lacks and the code under test calls at import time.
 */

// uPlot watches the device pixel ratio with `matchMedia` when it is imported.
if (typeof window !== 'undefined' && !window.matchMedia) {
  window.matchMedia = query => ({
    matches: false,
    media: query,
    onchange: null,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    addListener: () => undefined,
    removeListener: () => undefined,
    dispatchEvent: () => false
  });
}

// Lumino's drag and drop subclasses `DragEvent` when it is imported.
if (typeof window !== 'undefined' && !window.DragEvent) {
  window.DragEvent = class DragEvent extends MouseEvent {};
}

// jsdom cannot draw: canvases get a 2D context that accepts every call and draws
// nothing, so canvas libraries (uPlot) run their real layout and DOM code in tests.
if (typeof window !== 'undefined' && !window.Path2D) {
  const noop = () => undefined;
  const inert = state =>
    new Proxy(state, {
      get: (target, prop) => (prop in target ? target[prop] : noop),
      set: (target, prop, value) => {
        target[prop] = value;
        return true;
      }
    });
  window.Path2D = class Path2D {
    constructor() {
      return inert({});
    }
  };
  window.HTMLCanvasElement.prototype.getContext = function getContext(kind) {
    if (kind !== '2d') {
      return null;
    }
    this._inertContext ??= inert({
      canvas: this,
      measureText: text => ({ width: 6 * String(text).length }),
      createLinearGradient: () => ({ addColorStop: noop }),
      getLineDash: () => []
    });
    return this._inertContext;
  };
}

// JupyterLab's React widgets resolve their render promise on `requestIdleCallback`.
if (typeof window !== 'undefined' && !window.requestIdleCallback) {
  window.requestIdleCallback = callback => setTimeout(() => callback(), 0);
  window.cancelIdleCallback = handle => clearTimeout(handle);
}
