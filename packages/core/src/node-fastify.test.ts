import { describe, expect, it } from 'vitest';
import {
  type FastifyReplyLike,
  type FastifyRequestLike,
  type FastifyRouting,
  fastifyCoreRouting,
  fastifyPrefixRoots,
  fastifyReplyResponse,
  fastifyRequestFacts,
  fastifyRoutedTarget,
  fastifyRouting,
  fastifyTrust,
} from './node-fastify.js';
import type { NodeRequestLike } from './node-http.js';
import { trustWalk } from './node-trust.js';

const FASTIFY5: FastifyRouting = fastifyRouting({
  caseSensitive: true,
  ignoreTrailingSlash: false,
  ignoreDuplicateSlashes: false,
  useSemicolonDelimiter: false,
});

describe('fastifyRouting', () => {
  it("reads Fastify 5's defaults, and Fastify 4's, which split at `;`", () => {
    expect(FASTIFY5).toEqual({
      caseSensitive: true,
      ignoreTrailingSlash: false,
      ignoreDuplicateSlashes: false,
      useSemicolonDelimiter: false,
    });
    expect(fastifyRouting({ caseSensitive: true }).useSemicolonDelimiter).toBe(true);
  });

  it('takes each option in its widest form from either spelling', () => {
    const r = fastifyRouting({
      caseSensitive: true,
      ignoreTrailingSlash: false,
      useSemicolonDelimiter: false,
      routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    });
    expect(r).toMatchObject({ caseSensitive: false, ignoreTrailingSlash: true });
    expect(fastifyCoreRouting(r)).toEqual({
      caseSensitive: false,
      strict: false,
      ambiguousSlashes: 'refuse',
    });
  });
});

describe('fastifyRoutedTarget', () => {
  it('keeps the path and the query (from the first `?`, as Fastify parses it), drops `#…`', () => {
    expect(fastifyRoutedTarget('/admin?x=1#y', FASTIFY5)).toBe('/admin?x=1');
    expect(fastifyRoutedTarget('/admin#y?x=1', FASTIFY5)).toBe('/admin?x=1');
    expect(fastifyRoutedTarget('/admin#y', FASTIFY5)).toBe('/admin');
    expect(fastifyRoutedTarget('/a/../admin', FASTIFY5)).toBe('/a/../admin');
  });

  it("ends the path at `;` only under useSemicolonDelimiter (Fastify 4's default)", () => {
    expect(fastifyRoutedTarget('/admin;x=1?q', FASTIFY5)).toBe('/admin;x=1?q');
    const fastify4 = { ...FASTIFY5, useSemicolonDelimiter: true };
    expect(fastifyRoutedTarget('/admin;x=1?q', fastify4)).toBe('/admin?q');
  });

  it('drops an absolute-form authority and refuses what yields no `/` path', () => {
    expect(fastifyRoutedTarget('http://x.test/admin?a', FASTIFY5)).toBe('/admin?a');
    expect(fastifyRoutedTarget('HTTP://x.test/admin', FASTIFY5)).toBeUndefined();
    expect(fastifyRoutedTarget('*', FASTIFY5)).toBeUndefined();
    expect(fastifyRoutedTarget('\\admin', FASTIFY5)).toBeUndefined();
  });

  it('collapses `//` under ignoreDuplicateSlashes, KELVIN SIGN when case-insensitive', () => {
    expect(fastifyRoutedTarget('//admin', FASTIFY5)).toBe('//admin');
    expect(fastifyRoutedTarget('//admin', { ...FASTIFY5, ignoreDuplicateSlashes: true })).toBe(
      '/admin',
    );
    expect(fastifyRoutedTarget('/%E2%84%AAiosk', FASTIFY5)).toBe('/%E2%84%AAiosk');
    expect(fastifyRoutedTarget('/%e2%84%aaiosk', { ...FASTIFY5, caseSensitive: false })).toBe(
      '/kiosk',
    );
  });
});

const raw = (rawHeaders: string[], remoteAddress = '10.0.0.1'): NodeRequestLike => {
  const headers: NodeRequestLike['headers'] = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    headers[name] = headers[name] ? `${headers[name]}, ${rawHeaders[i + 1]}` : rawHeaders[i + 1];
  }
  return { headers, rawHeaders, socket: { remoteAddress } };
};

/** A request whose prototype has Fastify's `ips` getter (proxy-addr over `this.raw`). */
function trustingRequest(req: NodeRequestLike, ip: string, url = '/'): FastifyRequestLike {
  const trust = (a: string) => a.startsWith('10.');
  const proto = {
    get ips(): string[] {
      const self = this as unknown as { raw: NodeRequestLike };
      const xff = self.raw.headers['x-forwarded-for'];
      return trustWalk(self.raw.socket?.remoteAddress, trust)(String(xff ?? ''));
    },
  };
  return Object.assign(Object.create(proto), { url, ip, raw: req });
}

describe('fastifyTrust and fastifyRequestFacts', () => {
  it('has no walk, and leaves the lines to core, without trustProxy', () => {
    const req = raw(['X-Forwarded-For', '1.1.1.1', 'X-Forwarded-Proto', 'https']);
    const request = { url: '/a?b', ip: '10.0.0.1', raw: req };
    expect(fastifyTrust(request)).toBeUndefined();
    expect(fastifyRequestFacts(request, FASTIFY5, 'direct')).toEqual({
      target: '/a?b',
      scheme: 'http',
      ip: { remoteAddress: '10.0.0.1', forwardedFor: ['1.1.1.1'] },
    });
  });

  it("applies the instance's own rules to the header it is given", () => {
    const request = trustingRequest(raw([]), '10.0.0.1');
    expect(fastifyTrust(request)?.('1.1.1.1, 10.0.0.2')).toEqual([
      '10.0.0.1',
      '10.0.0.2',
      '1.1.1.1',
    ]);
  });

  it("takes request.ip, and a trusted peer's x-forwarded-proto", () => {
    const req = raw(['X-Forwarded-For', '1.1.1.1', 'X-Forwarded-Proto', 'http,https']);
    const facts = fastifyRequestFacts(trustingRequest(req, '1.1.1.1'), FASTIFY5, 'direct');
    expect(facts).toEqual({ target: '/', scheme: 'https', ip: { clientIp: '1.1.1.1' } });
    const untrusted = raw(['X-Forwarded-Proto', 'https'], '3.3.3.3');
    expect(
      fastifyRequestFacts(trustingRequest(untrusted, '3.3.3.3'), FASTIFY5, 'direct').scheme,
    ).toBe('http');
  });

  it("walks the Heroku router's first line only", () => {
    const req = raw(['X-Forwarded-For', '1.1.1.1', 'X-Forwarded-For', '6.6.6.6']);
    const facts = fastifyRequestFacts(trustingRequest(req, '6.6.6.6'), FASTIFY5, 'heroku');
    expect(facts.ip).toEqual({ clientIp: '1.1.1.1' });
  });
});

describe('fastifyPrefixRoots', () => {
  // What onRoute hears for `register(p => p.get('/', h), { prefix: '/api' })`: the `/api`
  // route only; Fastify adds `/api/` itself (config url `/api/` in 4, `/api` in 5).
  const roots = fastifyPrefixRoots();
  roots.onRoute({ url: '/api', routePath: '', prefix: '/api' });
  roots.onRoute({ url: '/v2', routePath: '', prefix: '/v2', prefixTrailingSlash: 'no-slash' });
  roots.onRoute({ url: '/api/x/', routePath: '/x/', prefix: '/api' });
  const facts = (url: string, matched?: string) =>
    fastifyRequestFacts(
      { url, ip: '', raw: raw([]), routeOptions: { url: matched } },
      FASTIFY5,
      'direct',
      roots,
    ).target;

  it('decides `/prefix/`, served by the prefixed `/` route, as `/prefix`', () => {
    expect(facts('/api/?q=1', '/api/')).toBe('/api?q=1');
    expect(facts('/api/', '/api')).toBe('/api');
    expect(facts('/api', '/api')).toBe('/api');
  });

  it('leaves every other slash alone', () => {
    expect(facts('/api/x/', '/api/x/')).toBe('/api/x/');
    expect(facts('/v2/', '/v2/')).toBe('/v2/');
    expect(facts('/api/')).toBe('/api/');
  });
});

describe('fastifyReplyResponse', () => {
  function fakeReply() {
    const headers = new Map<string, unknown>();
    const sent: unknown[] = [];
    const reply: FastifyReplyLike = {
      statusCode: 200,
      sent: false,
      raw: { headersSent: false, destroy: () => sent.push('destroyed') },
      getHeader: (name) => headers.get(name.toLowerCase()),
      header: (name, value) => headers.set(name.toLowerCase(), value),
      send: (payload) => sent.push(payload),
    };
    return { reply, headers, sent };
  }

  it("writes through the reply, appending to the app's headers", () => {
    const { reply, headers, sent } = fakeReply();
    const res = fastifyReplyResponse(reply);
    res.statusCode = 403;
    res.setHeader('content-type', 'text/plain');
    res.appendHeader('vary', 'cookie');
    res.appendHeader('vary', 'accept');
    res.appendHeader('set-cookie', ['a=1']);
    const body = new TextEncoder().encode('no');
    res.end(body);
    expect(reply.statusCode).toBe(403);
    expect(headers.get('vary')).toEqual(['cookie', 'accept']);
    expect(headers.get('set-cookie')).toEqual(['a=1']);
    expect(sent).toEqual([body]);
    expect(sent[0]).toBeInstanceOf(Uint8Array);
    res.end();
    expect(sent[1]).toBeUndefined();
  });

  it('converts the body with `payload`, and reports the reply as sent', () => {
    const { reply, sent } = fakeReply();
    const res = fastifyReplyResponse(reply, (b) => `bytes:${b.byteLength}`);
    res.end(new Uint8Array(3));
    expect(sent).toEqual(['bytes:3']);
    expect(res.headersSent).toBe(false);
    Object.assign(reply, { sent: true });
    expect(res.headersSent).toBe(true);
    res.destroy();
    expect(sent).toContain('destroyed');
  });
});
