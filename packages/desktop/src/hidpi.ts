/**
 * HiDPI remote resize for noVNC 1.7 (no JupyterLab or noVNC imports: unit-tested).
 *
 * noVNC asks the server for a desktop of the tab's CSS size, which is blurry on HiDPI
 * screens. noVNC has no public hook for the requested size, so this wraps the two
 * methods of one RFB instance that decide it: `_requestRemoteResize` (called by noVNC on
 * the first ExtendedDesktopSize update, by its ResizeObserver and its rate limiter) sees a
 * `_screenSize` multiplied by the device pixel ratio, while everything else (scaling the
 * canvas down to the tab, mouse mapping) keeps the CSS size. noVNC's own rate limiting,
 * pending-request tracking and "nothing changed" checks stay in charge.
 */

import { remoteSize } from './logic';

/**
 * The part of a noVNC RFB instance that the HiDPI resize wraps (private in noVNC 1.7).
 */
export interface IResizableRFB {
  /** Returns the CSS size of noVNC's screen element. */
  _screenSize?: () => { w: number; h: number };
  /** Sends SetDesktopSize for `_screenSize()` when allowed and needed. */
  _requestRemoteResize?: () => void;
}

/**
 * Make `rfb` ask for `_screenSize() × ratio()` (even sizes, see `remoteSize`) when it
 * resizes the remote session, and never for the empty size of a hidden tab.
 *
 * Returns false (and changes nothing) when this noVNC lacks the wrapped methods; callers
 * then fall back to plain `resizeSession` in CSS pixels. Returns a function that undoes
 * the wrapping otherwise.
 */
export function installHiDpiResize(
  rfb: IResizableRFB,
  ratio: () => number
): (() => void) | false {
  const request = rfb._requestRemoteResize;
  const screenSize = rfb._screenSize;
  if (typeof request !== 'function' || typeof screenSize !== 'function') {
    return false;
  }
  const own = (key: keyof IResizableRFB) =>
    Object.prototype.hasOwnProperty.call(rfb, key);
  const ownScreenSize = own('_screenSize');
  const ownRequest = own('_requestRemoteResize');
  const scaled = () => {
    const css = screenSize.call(rfb);
    const { width, height } = remoteSize(css.w, css.h, ratio(), true);
    return { w: width, h: height };
  };
  rfb._requestRemoteResize = () => {
    const css = screenSize.call(rfb);
    if (css.w < 1 || css.h < 1) {
      // A hidden tab: keep the desktop as it is.
      return;
    }
    rfb._screenSize = scaled;
    try {
      request.call(rfb);
    } finally {
      if (ownScreenSize) {
        rfb._screenSize = screenSize;
      } else {
        delete rfb._screenSize;
      }
    }
  };
  return () => {
    if (ownRequest) {
      rfb._requestRemoteResize = request;
    } else {
      delete rfb._requestRemoteResize;
    }
  };
}
