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
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  if (path.includes('%25')) path = path.replace(/%25/g, '%2525');
  path = path.replace(/%2f/gi, '%252F');
  try {
    path = decodeURIComponent(path);
  } catch {
    // h3 (ufo's decode) routes on the raw text when it does not decode.
  }
  const cut = path.indexOf('?');
  if (cut !== -1) path = path.slice(0, cut);
  if (!path.startsWith('/')) return undefined;
  return path.replace(/\\/g, '%5C');
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
  const web = event.web?.request;
  if (web) return web;
  const encrypted = (event.node?.req?.socket as { encrypted?: boolean } | undefined)?.encrypted;
  const host = safeHost(event.headers.get('host')) ?? 'localhost';
  const origin = `${encrypted ? 'https' : 'http'}://${host}`;
  // Joined as text: a target such as `//evil.example/x` stays a path on this host.
  let url = `${origin}${target}`;
  try {
    new URL(url);
  } catch {
    url = `${origin}/`;
  }
  return decisionRequest(url, { method: event.method, headers: new Headers(event.headers) });
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
    const changed = (name: string) => isEsperHeader(name) || !upstream.has(name);
    for (const name of Object.keys(req.headers)) if (changed(name)) delete req.headers[name];
    const set: string[] = [];
    const setNames = new Set<string>();
    for (const [name, value] of upstream) {
      if (req.headers[name] === value) continue;
      req.headers[name] = value;
      set.push(name, value);
      setNames.add(name);
    }
    const raw = req.rawHeaders;
    if (Array.isArray(raw)) {
      const kept: string[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = raw[i]!.toLowerCase();
        if (!changed(name) && !setNames.has(name)) kept.push(raw[i]!, raw[i + 1]!);
      }
      try {
        req.rawHeaders = [...kept, ...set];
      } catch {
        // A getter over `headers` (node-mock-http's request, which Nitro's local fetch and
        // serverless entries make): already what was set above.
      }
      const now = req.rawHeaders;
      for (let i = 0; i + 1 < now.length; i += 2) {
        const name = now[i]!.toLowerCase();
        if (isEsperHeader(name) && now[i + 1] !== upstream.get(name))
          throw new Error('esper: cannot pass the request on with the decision headers');
      }
    }
  }
  if (event.web?.request) event.web.request = new Request(event.web.request, { headers: upstream });
}
