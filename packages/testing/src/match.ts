import type { DecideContext, Matcher, MitigationBody, ValueMatcher } from './types.js';

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** Absent values never match, so `{ clientIp: /.../ }` does not match a request without one. */
export function matchValue(
  expected: ValueMatcher,
  actual: string | undefined,
  glob = false,
): boolean {
  if (actual === undefined) return false;
  if (expected instanceof RegExp) {
    // A /g or /y RegExp keeps state between calls; reset it so every request is judged alike.
    expected.lastIndex = 0;
    return expected.test(actual);
  }
  if (glob && expected.includes('*')) return globToRegExp(expected).test(actual);
  return expected === actual;
}

function matchRecord(
  expected: Record<string, ValueMatcher>,
  lookup: (name: string) => string | undefined,
): boolean {
  return Object.entries(expected).every(([name, value]) => matchValue(value, lookup(name)));
}

function queryParam(query: string | undefined, name: string): string | undefined {
  if (query === undefined) return undefined;
  return new URLSearchParams(query).get(name) ?? undefined;
}

export function matches(
  matcher: Matcher | undefined,
  body: MitigationBody,
  ctx: DecideContext,
): boolean {
  if (matcher === undefined) return true;
  if (typeof matcher === 'function') return matcher(body, ctx);
  // With validation off the body may be any object; treat missing parts as absent values.
  const req = (body.request ?? {}) as Partial<MitigationBody['request']>;
  const m = matcher;
  if (m.path !== undefined && !matchValue(m.path, req.path, true)) return false;
  if (m.method !== undefined && !matchValue(m.method, req.method)) return false;
  if (m.host !== undefined && !matchValue(m.host, req.host)) return false;
  if (m.clientIp !== undefined && !matchValue(m.clientIp, req.client_ip)) return false;
  if (m.apiKey !== undefined && !matchValue(m.apiKey, ctx.key.apiKey)) return false;
  if (m.query !== undefined) {
    const ok =
      typeof m.query === 'string' || m.query instanceof RegExp
        ? matchValue(m.query, req.query ?? '')
        : matchRecord(m.query, (name) => queryParam(req.query, name));
    if (!ok) return false;
  }
  if (m.header !== undefined) {
    const headers = req.headers ?? {};
    const lookup = (name: string) => {
      const lower = name.toLowerCase();
      // The SDK may carry the user agent only in `request.user_agent`.
      return headers[lower] ?? (lower === 'user-agent' ? req.user_agent : undefined);
    };
    if (!matchRecord(m.header, lookup)) return false;
  }
  if (m.fields !== undefined) {
    const fields = body.fields ?? {};
    if (!matchRecord(m.fields, (name) => fields[name])) return false;
  }
  return true;
}
