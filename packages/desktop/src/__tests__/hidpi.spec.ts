import { installHiDpiResize } from '../hidpi';

/**
 * A stand-in with the shape of noVNC 1.7's RFB resize methods (see core/rfb.js):
 * `_requestRemoteResize` sends SetDesktopSize for `_screenSize()` unless nothing changed.
 */
class FakeRFB {
  css = { w: 1000.5, h: 601 };
  fb = { w: 1920, h: 1080 };
  sent: Array<[number, number]> = [];

  _screenSize(): { w: number; h: number } {
    return { ...this.css };
  }

  _requestRemoteResize(): void {
    const size = this._screenSize();
    if (size.w === this.fb.w && size.h === this.fb.h) {
      return;
    }
    this.sent.push([Math.floor(size.w), Math.floor(size.h)]);
    this.fb = { w: size.w, h: size.h };
  }
}

describe('installHiDpiResize', () => {
  it('asks for the CSS size times the device pixel ratio', () => {
    const rfb = new FakeRFB();
    let ratio = 2;
    expect(installHiDpiResize(rfb, () => ratio)).toBeInstanceOf(Function);
    rfb._requestRemoteResize();
    expect(rfb.sent).toEqual([[2000, 1202]]);
    // Everything else (scaling the canvas, mouse mapping) still sees CSS pixels.
    expect(rfb._screenSize()).toEqual({ w: 1000.5, h: 601 });
    expect(Object.prototype.hasOwnProperty.call(rfb, '_screenSize')).toBe(
      false
    );
    ratio = 1;
    rfb._requestRemoteResize();
    expect(rfb.sent).toEqual([
      [2000, 1202],
      [1000, 600]
    ]);
  });

  it('keeps the desktop while the tab is hidden', () => {
    const rfb = new FakeRFB();
    installHiDpiResize(rfb, () => 2);
    rfb.css = { w: 0, h: 0 };
    rfb._requestRemoteResize();
    expect(rfb.sent).toEqual([]);
  });

  it('restores noVNC when undone', () => {
    const rfb = new FakeRFB();
    const undo = installHiDpiResize(rfb, () => 2);
    expect(undo).not.toBe(false);
    (undo as () => void)();
    rfb._requestRemoteResize();
    expect(rfb.sent).toEqual([[1000, 601]]);
    expect(
      Object.prototype.hasOwnProperty.call(rfb, '_requestRemoteResize')
    ).toBe(false);
  });

  it('changes nothing on a noVNC without these methods', () => {
    const rfb = {};
    expect(installHiDpiResize(rfb, () => 2)).toBe(false);
    expect(rfb).toEqual({});
  });
});
