// Issue 11's client-level classes, each against the real mock runtime over HTTP: dot segments,
// router parity (facts.path, routing), the static skip against explicit routes, cache scope,
// 429 backoff, runtime header values, visible failure and counts, and screenFailed.
import { createEsper, type EsperOptions } from '@esper/core';
import { DEFAULT_TEST_KEY, type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

let rt: MockRuntime;
beforeAll(async () => {
  rt = await startMockRuntime();
});
afterEach(() => {
  rt.reset();
  vi.restoreAllMocks();
});
afterAll(() => rt.close());

const silent = { debug() {}, info() {}, warn() {}, error() {} };
function esper(options: EsperOptions = {}) {
  return createEsper({
    apiKey: DEFAULT_TEST_KEY.apiKey,
    secret: DEFAULT_TEST_KEY.secret,
    apiBase: rt.url,
    env: {},
    logger: silent,
    ...options,
  });
}
const get = (path: string, headers: Record<string, string> = {}) =>
  new Request(`https://app.example${path}`, {
    headers: { accept: 'application/json', 'user-agent': 'Mozilla/5.0 same', ...headers },
  });
const facts = { remoteAddress: '198.51.100.7' };
const sentPaths = () =>
  rt.requests.map((r) => (r.body as { request: { path: string } }).request.path);

describe('dot segments', () => {
  it.each(['/panel/..', '/panel/%2e%2e', '/css/%2E%2e/secret.html', '/css%2f..%2fsecret.html'])(
    '%s is refused with a 400, without asking the runtime',
    async (path) => {
      const e = esper();
      const d = await e.protect(get('/panel'), { ...facts, path });
      expect(d).toMatchObject({ action: 'block', source: 'fallback', reason: 'invalid_request' });
      expect(d.enforced).toBe(true);
      const res = await e.respond(d, get('/panel'));
      expect(res?.status).toBe(400);
      expect(rt.requests).toHaveLength(0);
    },
  );

  it('a dot segment the URL parser left encoded is refused too', async () => {
    const d = await esper().protect(get('/css%2f..%2fsecret.html'), facts);
    expect(d.reason).toBe('invalid_request');
  });
});

describe('router parity', () => {
  it('decides and sends the raw path the platform routes on, not the URL’s', async () => {
    const e = esper();
    await e.protect(get('/'), { ...facts, path: '/a%2Fb/c' });
    expect(sentPaths()).toEqual(['/a%2Fb/c']);
  });

  it('a case-insensitive, non-strict router meets the rule written for /admin', async () => {
    rt.script({ answer: { fault: 'hang' } });
    const e = esper({
      timeoutMs: 50,
      routing: { caseSensitive: false, strict: false },
      failClosedRoutes: ['/admin/**', '/Login'],
    });
    for (const path of ['/ADMIN', '/admin/', '/Admin/Users/', '/LOGIN/', '/login']) {
      const d = await e.protect(get(path), facts);
      expect(d, path).toMatchObject({ action: 'block', source: 'fallback', reason: 'timeout' });
    }
    expect(sentPaths()).toEqual(['/admin', '/admin', '/admin/users', '/login', '/login']);
  });

  it('exact routing keeps the path as sent', async () => {
    await esper().protect(get('/ADMIN/'), facts);
    expect(sentPaths()).toEqual(['/ADMIN/']);
  });

  it('refuses a routing option it does not know, naming it', () => {
    expect(() => esper({ routing: { caseSensitve: false } as never })).toThrow(
      /routing\.caseSensitve/,
    );
    expect(() => esper({ routing: { strict: 'no' } as never })).toThrow(/routing\.strict/);
  });
});

describe('the static-asset skip never beats explicit configuration', () => {
  it.each([
    ['include', { include: ['/panel/**'] }],
    ['failClosedRoutes', { failClosedRoutes: ['/panel/**'] }],
  ] as const)('a .css under a route named in %s is decided', async (_name, options) => {
    const d = await esper(options).protect(get('/panel/x.css'), facts);
    expect(d.source).toBe('remote');
    expect(rt.requests).toHaveLength(1);
  });

  it('other static assets are still skipped', async () => {
    const e = esper({ failClosedRoutes: ['/panel/**'], excludeStaticAssets: 'by-extension' });
    expect((await e.protect(get('/site.css'), facts)).source).toBe('skipped');
    expect((await e.protect(get('/_next/static/a.js'), facts)).source).toBe('skipped');
  });

  it('by default a path is skipped for its place, never for its extension alone', async () => {
    // `/panel/:file` would serve `/panel/x.css`: a rule for it must be asked.
    const e = esper();
    expect((await e.protect(get('/panel/x.css'), facts)).source).toBe('remote');
    expect((await e.protect(get('/_next/static/chunks/a.js'), facts)).source).toBe('skipped');
    expect((await e.protect(get('/favicon.ico'), facts)).source).toBe('skipped');
  });

  it('refuses an empty segment or an encoded slash where the app serves files itself', async () => {
    const e = esper({ routing: { ambiguousSlashes: 'refuse' } });
    for (const path of ['//secret.html', '/%2fsecret.html', '/a%5Cb']) {
      const d = await e.protect(get('/'), { ...facts, path });
      expect(d, path).toMatchObject({ action: 'block', reason: 'invalid_request', status: 400 });
    }
    expect((await esper().protect(get('/'), { ...facts, path: '//x' })).source).toBe('remote');
    expect(() => esper({ routing: { ambiguousSlashes: 'no' as never } })).toThrow(
      /routing\.ambiguousSlashes/,
    );
  });
});

describe('cache scope', () => {
  it('a decision about one request is never pushed onto others behind the same IP and UA', async () => {
    rt.script({ answer: { action: 'block', ttl_seconds: 60 }, times: 1 });
    const e = esper();
    expect((await e.protect(get('/search?foo=bar'), facts)).action).toBe('block');
    const other = await e.protect(get('/home'), facts);
    expect(other).toMatchObject({ action: 'allow', source: 'remote' });
    expect(e.cacheSize).toBe(0);
  });

  it('a decision the runtime says is about the client is reused for it', async () => {
    rt.script({ answer: { action: 'block', ttl_seconds: 60, cache_scope: 'client' }, times: 1 });
    const e = esper();
    await e.protect(get('/login'), facts);
    expect(await e.protect(get('/home'), facts)).toMatchObject({
      action: 'block',
      source: 'cache',
    });
    expect(rt.requests).toHaveLength(1);
  });
});

describe('429 backoff', () => {
  it('is bounded and jittered, and fail-closed routes keep asking', async () => {
    let clock = Date.now();
    rt.script({ answer: { fault: 'status', status: 429, retryAfter: 3600 }, times: 1 });
    const e = esper({ now: () => clock, failClosedRoutes: ['/login'] });
    expect(await e.protect(get('/a'), facts)).toMatchObject({ status: 429 });
    expect(await e.protect(get('/b'), facts)).toMatchObject({ reason: 'rate_limited' });
    // A fail-closed route is asked, not blocked for the whole wait.
    expect(await e.protect(get('/login'), facts)).toMatchObject({ source: 'remote' });
    expect(rt.requests).toHaveLength(2);
    clock += 10_001; // whatever Retry-After said, 10 s at most
    expect(await e.protect(get('/c'), facts)).toMatchObject({ source: 'remote' });
  });
});

describe('runtime header values', () => {
  it('a value outside Latin-1 is dropped with a warning; the rest applies', async () => {
    rt.script({
      answer: {
        action: 'allow',
        upstream_headers: [
          ['x-esper-city', 'Łódź'],
          ['x-esper-country', 'PL'],
        ],
      },
    });
    const warn = vi.fn();
    const e = esper({ logger: { ...silent, warn } });
    const d = await e.protect(get('/'), facts);
    expect(d.upstreamHeaders).toEqual([['x-esper-country', 'PL']]);
    const forged = new Headers({ 'x-esper-decision': 'allow-forged' });
    expect(e.upstreamHeaders(forged, d).get('x-esper-decision')).toBe('allow');
    expect(warn).toHaveBeenCalledWith({ headers: ['x-esper-city'] }, expect.any(String));
  });
});

describe('visible failure', () => {
  it('with no logger, warns on the console at the first fail-open, then once a minute with a count', async () => {
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let clock = Date.now();
    rt.script({ answer: { fault: 'status', status: 500 } });
    const e = esper({ logger: undefined, now: () => clock });
    for (let i = 0; i < 5; i++) await e.protect(get(`/p${i}`), facts);
    expect(consoleWarn).toHaveBeenCalledTimes(1);
    expect(consoleWarn.mock.calls[0]![0]).toMatch(/failing open.*bad_status/);
    clock += 60_001;
    await e.protect(get('/later'), facts);
    expect(consoleWarn).toHaveBeenCalledTimes(2);
    expect(consoleWarn.mock.calls[1]![0]).toMatch(/failed open 5 times/);
  });

  it('counts decisions by source and reason', async () => {
    rt.script({ answer: { fault: 'status', status: 500 }, times: 1 });
    const e = esper({ failClosedRoutes: ['/closed'] });
    await e.protect(get('/x'), facts);
    await e.protect(get('/x'), facts);
    await e.protect(get('/favicon.ico'), facts);
    e.screenFailed('/closed', new Error('bad host'));
    expect(e.stats).toEqual({
      decisions: 4,
      bySource: { fallback: 2, remote: 1, skipped: 1 },
      byReason: { bad_status: 1, runtime: 1, excluded: 1, internal: 1 },
      failedOpen: 1,
      failedClosed: 1,
    });
  });
});

describe('screenFailed', () => {
  it('fails open or closed per route, as a fallback with reason internal', async () => {
    const e = esper({ failClosedRoutes: ['/admin/**'], routing: { caseSensitive: false } });
    expect(e.screenFailed('/home', new Error('x'))).toMatchObject({
      action: 'allow',
      source: 'fallback',
      reason: 'internal',
      enforced: false,
    });
    const closed = e.screenFailed('/ADMIN/x', new Error('Invalid URL'));
    expect(closed).toMatchObject({ action: 'block', enforced: true, message: 'Invalid URL' });
    expect((await e.respond(closed))?.status).toBe(403);
  });
});
