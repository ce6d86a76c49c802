import { framingBlockedBy } from '../framing';

describe('framingBlockedBy', () => {
  it('allows pages without framing headers', () => {
    expect(framingBlockedBy(null, null)).toBeNull();
  });

  it('allows same-origin framing', () => {
    expect(framingBlockedBy('SAMEORIGIN', null)).toBeNull();
    expect(
      framingBlockedBy(null, "default-src 'self'; frame-ancestors 'self'")
    ).toBeNull();
    expect(
      framingBlockedBy(null, `frame-ancestors ${window.location.origin}`)
    ).toBeNull();
  });

  it('names the header that forbids framing', () => {
    expect(framingBlockedBy('DENY', null)).toBe('X-Frame-Options: DENY');
    expect(framingBlockedBy(null, "frame-ancestors 'none'")).toBe(
      "Content-Security-Policy: frame-ancestors 'none'"
    );
    expect(
      framingBlockedBy(
        null,
        'script-src x; frame-ancestors https://other.example'
      )
    ).toBe('Content-Security-Policy: frame-ancestors https://other.example');
  });
});
