/**
 * The request target as `(req, res)` routers read it. They disagree on anything but plain
 * origin-form: Koa and connect route on `parseurl` (Node's legacy `url.parse` for a target with
 * `#`, which drops the fragment and turns `\` into `/`), Polka on the raw text before `#` or
 * `?`, a hand router on `req.url.split('?')` or on `new URL(req.url, base)` (which reads `\` as
 * `/` and `//host/…` as a host). So only a target on which they all agree is decided:
 *
 * - origin-form `/…` without `#`, `\` in its path, or a leading `//`: its path and query;
 * - absolute-form `http(s)://host[:port]/…` (a proxy's request line, which servers must
 *   accept): the same rules for its path, which `url.parse` and `new URL` both route on. The
 *   authority must be a plain host name or IP: on any other, the two parsers differ (one
 *   throws, or reads part of it as the path), and no browser sends it;
 * - anything else (`OPTIONS *`, `/admin#x`, `/\admin`, `//admin`): undefined, and the request is
 *   refused with a 400 rather than decided on a path some router would not serve;
 * - so is a target with a character outside visible ASCII: HTTP/1's parser refuses them, but an
 *   HTTP/2 `:path` can hold them, and `parseurl` trims whitespace (`/admin\u00a0` is `/admin`).
 *
 * Dot segments (`/x/../admin`, `%2e%2e`), which `new URL` resolves, are refused by core.
 */
const ABSOLUTE =
  /^https?:\/\/(?:[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{0,5})?(?=\/)/i;

const VISIBLE_ASCII = /^[\x21-\x7e]*$/;

export function routedTarget(url: string | undefined): string | undefined {
  if (url === undefined || !VISIBLE_ASCII.test(url)) return undefined;
  const target = url.replace(ABSOLUTE, '');
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (path[0] !== '/' || path[1] === '/' || path.includes('\\') || target.includes('#')) {
    return undefined;
  }
  return target;
}
