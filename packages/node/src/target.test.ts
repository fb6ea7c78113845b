import type { IncomingMessage } from 'node:http';
import parseurl from 'parseurl';
import { describe, expect, it } from 'vitest';
import { routedTarget } from './target.js';

/** What Koa and connect route on (`ctx.path` is parseurl's pathname). */
const koaPath = (url: string) => {
  const parsed = parseurl({ url } as IncomingMessage);
  return (parsed?.pathname ?? '') + (parsed?.search ?? '');
};
/** What Polka routes on (@polka/url: the raw text before `#`, then before `?`). */
const polkaPath = (url: string) => url.split('#')[0]!;
/** What a hand router on `new URL(req.url, base)` routes on. */
const whatwgPath = (url: string) => {
  const u = new URL(url, 'http://localhost');
  return u.pathname + u.search;
};

describe('routedTarget', () => {
  it.each([
    ['/', '/'],
    ['/login?next=/admin', '/login?next=/admin'],
    ['/panel//x', '/panel//x'],
    ['/search?q=a\\b', '/search?q=a\\b'],
    ['/%61dmin', '/%61dmin'],
    ['http://app.example/admin', '/admin'],
    ['HTTPS://App.Example:8443/admin?x=1', '/admin?x=1'],
    ['http://app.example:99999/admin', '/admin'],
    ['http://[::1]:80/admin', '/admin'],
  ])('%s is routed on %s, as Koa, Polka and new URL() route it', (url, expected) => {
    expect(routedTarget(url)).toBe(expected);
    expect(koaPath(url)).toBe(expected);
    if (url.startsWith('/')) expect(polkaPath(url)).toBe(expected);
    // new URL() throws on port 99999 (a hand router on it answers 500): nothing to compare.
    if (!url.includes('99999')) expect(whatwgPath(url)).toBe(expected);
  });

  it.each([
    ['*', 'asterisk-form: no path'],
    ['', 'empty'],
    ['admin', 'no leading /'],
    ['/admin#x', 'Koa routes /admin, a split router /admin#x'],
    ['/admin?x#y', 'a fragment after the query'],
    ['/\\admin', 'new URL() reads a host: /'],
    ['/panel\\x', 'new URL() routes /panel/x, Koa and Polka /panel\\x'],
    ['//admin', 'new URL() reads a host: /'],
    ['http://app.example', 'absolute-form without a path'],
    ['http://app.example?x=1', 'absolute-form without a path, with a query'],
    ['http://a_b/admin', 'not a plain host name'],
    [`http://${'a'.repeat(64)}/admin`, 'a label longer than DNS allows'],
    ['http://user@app.example/admin', 'userinfo'],
    ['http://app.example//admin', 'absolute-form with a leading //'],
    ['ftp://app.example/admin', 'not http(s)'],
    ['/admin\u00a0', 'an HTTP/2 :path parseurl trims: Koa routes /admin'],
    ['/admin\ufeff', 'the same'],
    ['/admin\t', 'the same'],
    ['/adm in', 'whitespace'],
    ['/caf\u00e9', 'not ASCII: HTTP/1 refuses it'],
  ])('%j is refused (%s)', (url) => {
    expect(routedTarget(url)).toBeUndefined();
  });

  it('undefined (an http2 CONNECT has no :path) is refused', () => {
    expect(routedTarget(undefined)).toBeUndefined();
  });
});
