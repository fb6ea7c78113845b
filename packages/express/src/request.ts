import type { IncomingMessage } from 'node:http';
import { decisionRequest, isEsperHeader, safeHost } from '@esper/core/adapter';
import parseurl from 'parseurl';
import type { ExpressRequest } from './types.js';

/**
 * The path and query Express routes `target` to, or undefined when it has none.
 *
 * Parsed with `parseurl`, the parser Express itself routes with: origin-form (`/login`) is
 * split at `?`, and a target holding `#`, whitespace or not starting with `/` goes through
 * Node's legacy `url.parse` as Express's does. So `/admin#x` is `/admin` (the fragment
 * dropped, a `\` before it read as `/`), and an absolute-form request line (`POST
 * http://x/login HTTP/1.1`) is `/login`, not `/http://x/login`: core and the runtime see the
 * path the route was matched on, or `include`, `failClosedRoutes` and path policies would
 * miss it. (The WHATWG parser disagrees on some targets Node accepts: `http://x:99999/login`
 * throws there, yet Express routes it to `/login`.)
 *
 * A target that yields no `/` path (asterisk-form `OPTIONS *`, or anything unparseable) gets
 * undefined and the middleware refuses the request with a 400. That is deliberately not
 * "decide on `/`": if the runtime decided on a path other than the one Express routes, an
 * attacker could pick a target that is allowed as `/` but served as a protected route.
 */
export function routedTarget(target: string): string | undefined {
  try {
    const parsed = parseurl({ url: target } as IncomingMessage);
    const pathname = parsed?.pathname;
    if (pathname?.startsWith('/')) return pathname + (parsed?.search ?? '');
  } catch {}
  return undefined;
}

/**
 * The request as a Web `Request` for core: URL and headers only. The body stays in the
 * socket, unread, for the app's own body parsers. Undefined when the request target has no
 * path Express would route on (see `routedTarget`): the request must be refused.
 */
/** The path part of a routed target (`routedTarget`), without the query. */
export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

export function toWebRequest(
  req: ExpressRequest,
  scheme: string,
  target: string | undefined,
): Request | undefined {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    try {
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    } catch {
      // A header undici refuses (e.g. an HTTP/2 pseudo-header) is left out, not fatal.
    }
  }
  const host = safeHost(req.headers.host) ?? 'localhost';
  if (target === undefined) return undefined;
  const url = `${scheme}://${host}${target}`;
  const method = req.method ?? 'GET';
  return decisionRequest(url, { method, headers });
}

/**
 * Hands the decision's headers to the app. Client-sent `x-esper-*` go first, from
 * `rawHeaders` too, so no view of the request lets a client claim it was allowed.
 */
export function forwardUpstream(req: IncomingMessage, upstream: Headers): void {
  for (const name of Object.keys(req.headers)) if (isEsperHeader(name)) delete req.headers[name];
  const raw: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (!isEsperHeader(req.rawHeaders[i]!)) raw.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  for (const [name, value] of upstream) {
    const prev = req.headers[name];
    req.headers[name] = prev ? `${prev}, ${value}` : value;
    raw.push(name, value);
  }
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
}
