/**
 * Where a solved challenge may send the browser back to. Only origins a tenant listed are
 * accepted, so the challenge page can never be used as an open redirect.
 *
 * A pattern is an exact origin (`https://app.example.com`, `http://127.0.0.1:3000`) or, for
 * local development where ports change on every run, an origin whose port is `*`
 * (`http://127.0.0.1:*`): scheme and host must still match exactly.
 */

export interface OriginPattern {
  protocol: 'http:' | 'https:';
  hostname: string;
  /** `'*'`: any port; otherwise the port as `URL.port` spells it (`''` for the default). */
  port: string;
}

const WILDCARD_PORT = /^(https?:\/\/[^/?#*]+):\*$/;

/** Parses one pattern; throws with a message that says what is wrong. */
export function parseOriginPattern(pattern: string): OriginPattern {
  const wildcard = WILDCARD_PORT.exec(pattern);
  let url: URL;
  try {
    url = new URL(wildcard ? wildcard[1]! : pattern);
  } catch {
    throw new Error(`not an absolute http(s) origin: ${JSON.stringify(pattern)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`only http and https origins are allowed: ${JSON.stringify(pattern)}`);
  }
  // An origin is scheme://host[:port] and nothing else: a path, query, credentials or a port
  // before the `*` here is almost certainly a mistake that would otherwise be silently dropped.
  const base = wildcard ? wildcard[1]! : pattern.replace(/\/$/, '');
  if (base !== url.origin || base.includes('*') || (wildcard && url.port !== '')) {
    throw new Error(
      `expected a bare origin like ${url.origin}${wildcard ? ':*' : ''}, got ${JSON.stringify(pattern)}`,
    );
  }
  return { protocol: url.protocol, hostname: url.hostname, port: wildcard ? '*' : url.port };
}

/**
 * The URL to redirect to, or undefined when it is not absolute http(s) or its origin is not
 * allowed. Relative and protocol-relative URLs (`//evil.example`) have no base here and so
 * never parse; `javascript:` and `data:` have no http origin.
 */
export function allowedReturnUrl(
  candidate: string | undefined,
  patterns: readonly OriginPattern[],
): URL | undefined {
  if (!candidate) return undefined;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password) return undefined;
  const ok = patterns.some(
    (p) =>
      p.protocol === url.protocol &&
      p.hostname === url.hostname &&
      (p.port === '*' || p.port === url.port),
  );
  return ok ? url : undefined;
}
