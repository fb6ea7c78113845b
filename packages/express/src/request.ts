import type { IncomingMessage } from 'node:http';
import parseurl from 'parseurl';

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
