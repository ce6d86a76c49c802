/**
 * Why a page with these response headers cannot be shown in a same-origin iframe,
 * or `null` when it can.
 *
 * `X-Frame-Options: DENY` and a CSP `frame-ancestors 'none'` forbid any frame;
 * `SAMEORIGIN` and `'self'` allow ours (the app is proxied on JupyterLab's origin).
 */
export function framingBlockedBy(
  xFrameOptions: string | null,
  contentSecurityPolicy: string | null
): string | null {
  const xfo = (xFrameOptions ?? '').trim().toLowerCase();
  if (xfo === 'deny') {
    return 'X-Frame-Options: DENY';
  }
  if (xfo.startsWith('allow-from')) {
    return `X-Frame-Options: ${xFrameOptions}`;
  }
  for (const directive of (contentSecurityPolicy ?? '').split(';')) {
    const [name, ...sources] = directive.trim().split(/\s+/);
    if (name?.toLowerCase() !== 'frame-ancestors') {
      continue;
    }
    const allowed = sources.map(source => source.toLowerCase());
    if (allowed.includes("'self'") || allowed.includes('*')) {
      return null;
    }
    if (allowed.some(source => originMatches(source))) {
      return null;
    }
    return `Content-Security-Policy: frame-ancestors ${sources.join(' ')}`;
  }
  return null;
}

function originMatches(source: string): boolean {
  try {
    return new URL(source).origin === window.location.origin;
  } catch {
    return false;
  }
}

/**
 * Fetch `url` and return the header that forbids framing it (`null` when it may, or when unknown).
 */
export async function framingBlockedReason(
  url: string
): Promise<string | null> {
  try {
    const response = await fetch(url, { credentials: 'same-origin' });
    const blockedBy = framingBlockedBy(
      response.headers.get('x-frame-options'),
      response.headers.get('content-security-policy')
    );
    return blockedBy;
  } catch {
    return null;
  }
}
