import { decisionRequest, isEsperHeader, safeHost } from '@esper/core/adapter';
import type { H3Event } from 'h3';

/**
 * The path h3 routes `url` (the request target, as sent) on, or undefined when it routes on
 * no `/` path (absolute-form, asterisk-form).
 *
 * h3 1.x decodes the path before any handler runs (every escape but `%2F`, and `%25` kept as
 * is so nothing is decoded twice), and its router then cuts at the first `?` of the DECODED
 * path: `/admin%3Fx` is served by the `/admin` route. Core must see that path, not the raw one.
 * A backslash (sent raw or as `%5C`) is handed on as `%5C`, which core's `ambiguousSlashes`
 * check knows: the WHATWG URL parser (and so anything routing on `new URL(...)`) reads it as
 * `/`, h3's router as a character.
 */
export function routedPath(url: string): string | undefined {
  let path = url.split('?', 1)[0]!.replace(/%25/g, '%2525').replace(/%2f/gi, '%252F');
  try {
    path = decodeURIComponent(path);
  } catch {
    // h3 (ufo's decode) routes on the raw text when it does not decode.
  }
  path = path.split('?', 1)[0]!;
  return path.startsWith('/') ? path.replace(/\\/g, '%5C') : undefined;
}

// Nuxt's renderer's own test (`.` unescaped: any character), on the path without its query.
const PAYLOAD = /\/_payload.js(?:on)?$/;

/**
 * The page Nuxt renders for a routed path: `/admin/_payload.json` (`_payload.js` without JSON
 * payloads) is `/admin`, rendered, its data sent back, wherever payload extraction is on
 * (`isr` or `cache` route rules, prerendering). Decided as that page, as the renderer does.
 */
export function renderedPath(path: string): string {
  const payload = PAYLOAD.exec(path);
  return payload ? path.slice(0, payload.index) || '/' : path;
}

/** The target the request arrived with, before any h3 app mounted below a prefix cut it. */
export function requestTarget(event: H3Event): string {
  const req = event.node?.req as { originalUrl?: string; url?: string } | undefined;
  return req?.originalUrl || req?.url || event.path || '/';
}

/**
 * The Web request core decides on: the platform's own where it handed one over, else built
 * from the raw target with a Host that cannot move the path (`safeHost`) and the socket's
 * scheme (never the client's `x-forwarded-proto`). No body: `fields` read headers, and a body
 * read here would be gone for the app.
 */
export function webRequest(event: H3Event, target: string): Request {
  if (event.web?.request) return event.web.request;
  const encrypted = (event.node?.req?.socket as { encrypted?: boolean } | undefined)?.encrypted;
  const host = safeHost(event.headers.get('host')) ?? 'localhost';
  const origin = `${encrypted ? 'https' : 'http'}://${host}`;
  // Joined as text: a target such as `//evil.example/x` stays a path on this host.
  const url = URL.canParse(`${origin}${target}`) ? `${origin}${target}` : `${origin}/`;
  return decisionRequest(url, { method: event.method, headers: new Headers(event.headers) });
}

/** Node's `rawHeaders` as `[name, value]` lines, or undefined where there is none (workerd). */
export function rawLines(raw: unknown): [string, string][] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return Array.from({ length: raw.length >> 1 }, (_, i) => [raw[2 * i], raw[2 * i + 1]]);
}

/**
 * Makes every view of the request's headers the app has (h3's `event.headers`, Node's
 * `headers` and `rawHeaders`, the platform's Web request) exactly `upstream`: the client's own
 * `x-esper-*` headers gone, the decision's in their place.
 */
export function forward(event: H3Event, upstream: Headers): void {
  const headers = event.headers;
  for (const name of [...headers.keys()]) if (!upstream.has(name)) headers.delete(name);
  for (const [name, value] of upstream) if (headers.get(name) !== value) headers.set(name, value);
  const req = event.node?.req;
  if (req) {
    const set: string[] = [];
    const setNames = new Set<string>(); // Empty until the headers that changed are set.
    const gone = (name: string) => isEsperHeader(name) || !upstream.has(name) || setNames.has(name);
    for (const name of Object.keys(req.headers)) if (gone(name)) delete req.headers[name];
    for (const [name, value] of upstream) {
      if (req.headers[name] === value) continue;
      req.headers[name] = value;
      set.push(name, value);
      setNames.add(name);
    }
    const kept = rawLines(req.rawHeaders)?.filter(([name]) => !gone(name.toLowerCase()));
    if (kept) {
      try {
        req.rawHeaders = [...kept.flat(), ...set];
      } catch {
        // A getter over `headers` (node-mock-http's request, which Nitro's local fetch and
        // serverless entries make): already what was set above.
      }
      if (rawLines(req.rawHeaders)?.some(([n, v]) => isEsperHeader(n) && v !== upstream.get(n)))
        throw new Error('esper: cannot pass the request on with the decision headers');
    }
  }
  if (event.web?.request) event.web.request = new Request(event.web.request, { headers: upstream });
}
