import { createEsper, type Decision, type EsperOptions, type Transport } from '@esper/core';
import { createUndiciTransport } from '@esper/core/node';
import {
  DEFAULT_TEST_KEY,
  type MockAnswer,
  type MockRuntime,
  startMockRuntime,
} from '@esper/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

let rt: MockRuntime;
beforeAll(async () => {
  rt = await startMockRuntime();
});
afterEach(() => rt.reset());
afterAll(() => rt.close());

const browser = (path = '/page', headers: Record<string, string> = {}) =>
  new Request(`https://app.example${path}`, {
    headers: { accept: 'text/html', 'user-agent': 'Mozilla/5.0 test', ...headers },
  });
const api = (path = '/api', headers: Record<string, string> = {}) =>
  new Request(`https://app.example${path}`, {
    headers: { accept: 'application/json', 'user-agent': 'client/1', ...headers },
  });

function esper(options: EsperOptions = {}) {
  return createEsper({
    apiKey: DEFAULT_TEST_KEY.apiKey,
    secret: DEFAULT_TEST_KEY.secret,
    apiBase: rt.url,
    env: {},
    clientIp: { preset: 'direct' },
    ...options,
  });
}
const facts = { remoteAddress: '203.0.113.10' };

async function waitForNoSockets(runtime: MockRuntime) {
  for (let i = 0; i < 50 && runtime.openConnections() > 0; i++)
    await new Promise((r) => setTimeout(r, 10));
  return runtime.openConnections();
}

async function eventually(check: () => boolean, ms = 1000) {
  const until = performance.now() + ms;
  while (!check() && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  return check();
}

/** A runtime of its own, so idle keep-alive sockets of other tests do not count. */
async function isolated(run: (runtime: MockRuntime) => Promise<void>) {
  const runtime = await startMockRuntime();
  try {
    await run(runtime);
  } finally {
    await runtime.close();
  }
}

describe('actions', () => {
  it('allow continues, with the decision recorded', async () => {
    rt.script({ answer: { action: 'allow', policy_id: 'pol_1', reason: 'nothing matched' } });
    const e = esper();
    const d = await e.protect(browser(), facts);
    expect(d).toMatchObject({
      action: 'allow',
      mode: 'live',
      enforced: false,
      source: 'remote',
      reason: 'runtime',
      policyId: 'pol_1',
      message: 'nothing matched',
      clientIp: '203.0.113.10',
    });
    expect(d.decisionId).toBeTruthy();
    expect(d.latencyMs).toBeGreaterThan(0);
    expect(await e.respond(d, browser())).toBeNull();
    const [call] = rt.requests;
    expect(call!.verification).toEqual({ ok: true, keyId: DEFAULT_TEST_KEY.apiKey });
    expect(call!.headers['x-esper-sdk']).toMatch(/^@esper\/core\/\d+\.\d+\.\d+ \(node\)$/);
  });

  it('block answers 403', async () => {
    rt.script({ answer: { action: 'block' } });
    const e = esper();
    const d = await e.protect(api(), facts);
    expect(d).toMatchObject({ action: 'block', enforced: true, source: 'remote' });
    const res = await e.respond(d, api());
    expect(res!.status).toBe(403);
    expect(await res!.json()).toEqual({ error: 'blocked', decision_id: d.decisionId });
  });

  it('challenge redirects a browser to the runtime origin with return_url', async () => {
    rt.script({ answer: { action: 'challenge' } });
    const e = esper();
    const req = browser('/login?next=%2F');
    const d = await e.protect(req, facts);
    const res = await e.respond(d, req);
    expect(res!.status).toBe(302);
    const loc = new URL(res!.headers.get('location')!);
    expect(loc.origin).toBe(rt.url);
    expect(loc.searchParams.get('return_url')).toBe('https://app.example/login?next=%2F');
  });

  it('a runtime challenge URL on a foreign origin is never followed', async () => {
    rt.script({ answer: { action: 'challenge', challenge: { url: 'https://evil.example/c' } } });
    const e = esper();
    const res = await e.respond(await e.protect(browser(), facts), browser());
    expect(res!.status).toBe(403);
    expect(res!.headers.get('location')).toBeNull();
  });
});

describe('monitor mode', () => {
  it('configured monitor: decided and reported, never enforced', async () => {
    rt.script({ answer: { action: 'block' } });
    const onDecision = vi.fn();
    const e = esper({ mode: 'monitor', onDecision });
    const d = await e.protect(browser(), facts);
    await d.pending;
    expect(d).toMatchObject({ action: 'block', mode: 'monitor', enforced: false });
    expect(await e.respond(d, browser())).toBeNull();
    expect(onDecision).toHaveBeenCalledWith(d, expect.any(Request));
  });

  it('the runtime may answer in monitor mode', async () => {
    rt.script({ answer: { action: 'challenge', mode: 'monitor' } });
    const d = await esper().protect(browser(), facts);
    expect(d).toMatchObject({ action: 'challenge', mode: 'monitor', enforced: false });
  });
});

describe('faults become fallback decisions', () => {
  const cases: Array<[string, MockAnswer, string]> = [
    ['hang', { fault: 'hang' }, 'timeout'],
    ['delay past the timeout', { fault: 'delay', ms: 2000 }, 'timeout'],
    ['slow drip past the timeout', { fault: 'slow_drip', totalMs: 2000 }, 'timeout'],
    ['500', { fault: 'status', status: 500 }, 'bad_status'],
    ['502', { fault: 'status', status: 502, body: '<html>bad gateway</html>' }, 'bad_status'],
    ['malformed JSON', { fault: 'malformed_json' }, 'bad_response'],
    ['unknown action', { fault: 'unknown_action' }, 'bad_response'],
    ['oversized body', { fault: 'oversized' }, 'bad_response'],
    ['oversized chunked body', { fault: 'oversized', contentLength: false }, 'bad_response'],
    ['connection reset mid-body', { fault: 'reset' }, 'network'],
  ];

  it.each(cases)('%s → fail open (%s)', async (_name, answer, reason) => {
    rt.script({ answer });
    const e = esper({ timeoutMs: 200 });
    const started = performance.now();
    const d = await e.protect(api(), facts);
    // Slack for a loaded 2-core machine; the bound that matters is asserted below at 300 ms.
    expect(performance.now() - started).toBeLessThan(200 + 150);
    expect(d).toMatchObject({ action: 'allow', source: 'fallback', reason, enforced: false });
    expect(await e.respond(d, api())).toBeNull();
  });

  it.each(cases)('%s → fail closed when configured (%s)', async (_name, answer, reason) => {
    rt.script({ answer });
    const d = await esper({ timeoutMs: 200, failMode: 'closed' }).protect(api(), facts);
    expect(d).toMatchObject({ action: 'block', source: 'fallback', reason, enforced: true });
  });

  it('fails closed only on the configured routes', async () => {
    rt.script({ answer: { fault: 'status', status: 503 } });
    const e = esper({ failClosedRoutes: ['/checkout/**'] });
    expect((await e.protect(api('/checkout/pay'), facts)).action).toBe('block');
    expect((await e.protect(api('/browse'), facts)).action).toBe('allow');
  });

  it('a refused connection is a network failure', async () => {
    const dead = await startMockRuntime();
    const url = dead.url;
    await dead.close();
    const d = await esper({ apiBase: url }).protect(api(), facts);
    expect(d).toMatchObject({ action: 'allow', source: 'fallback', reason: 'network' });
  });

  it('after a 429 it backs off for Retry-After without calling', async () => {
    let clock = Date.now();
    rt.script({ answer: { fault: 'status', status: 429, retryAfter: 2 }, times: 1 });
    const e = esper({ now: () => clock });
    expect(await e.protect(api(), facts)).toMatchObject({ reason: 'bad_status', status: 429 });
    expect(await e.protect(api(), facts)).toMatchObject({
      source: 'fallback',
      reason: 'rate_limited',
    });
    expect(rt.requests).toHaveLength(1);
    clock += 2001;
    expect(await e.protect(api(), facts)).toMatchObject({ source: 'remote' });
  });

  it('logs 401s at error level with the code and never the secret', async () => {
    const error = vi.fn();
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error };
    const d = await esper({ secret: 'wrong-secret', logger }).protect(api(), facts);
    expect(d).toMatchObject({
      source: 'fallback',
      reason: 'bad_status',
      status: 401,
      message: 'runtime answered 401 (bad_signature)',
    });
    expect(error).toHaveBeenCalledOnce();
    expect(JSON.stringify(error.mock.calls)).not.toContain('wrong-secret');
  });
});

describe('the timeout bound', () => {
  it('a hanging runtime with the default 300 ms: fail open in under 400 ms, no socket left open', () =>
    isolated(async (hanging) => {
      hanging.script({ answer: { fault: 'hang' } });
      const e = esper({ apiBase: hanging.url });
      const started = performance.now();
      const d = await e.protect(api(), facts);
      const elapsed = performance.now() - started;
      expect(d).toMatchObject({ action: 'allow', reason: 'timeout' });
      expect(elapsed).toBeGreaterThanOrEqual(299);
      expect(elapsed).toBeLessThan(400);
      // The hung socket is closed by the abort: the runtime saw the client go away.
      expect(await eventually(() => hanging.requests[0]!.aborted === true)).toBe(true);
      // Node's fetch (undici) then opens one fresh idle keep-alive socket on its own; it
      // carries no request and undici closes it after its keep-alive timeout.
      expect(await waitForNoSockets(hanging)).toBeLessThanOrEqual(1);
      expect(hanging.requests).toHaveLength(1);
    }));

  it('covers a slow fields callback too', async () => {
    const d = await esper({ timeoutMs: 100, fields: () => new Promise(() => {}) }).protect(
      api(),
      facts,
    );
    expect(d).toMatchObject({ action: 'allow', reason: 'timeout' });
    expect(rt.requests).toHaveLength(0);
  });
});

describe('decision cache', () => {
  it('serves a cached block without a second call', async () => {
    rt.script({ answer: { action: 'block', ttl_seconds: 60, cache_scope: 'client' } });
    const e = esper();
    const first = await e.protect(api('/a'), facts);
    const second = await e.protect(api('/b'), facts);
    expect(first.source).toBe('remote');
    expect(second).toMatchObject({
      action: 'block',
      source: 'cache',
      reason: 'cache',
      decisionId: first.decisionId,
    });
    expect(rt.requests).toHaveLength(1);
    expect(e.cacheSize).toBe(1);
  });

  it('keys by client: another IP or user agent asks again', async () => {
    rt.script({ answer: { action: 'block', ttl_seconds: 60, cache_scope: 'client' } });
    const e = esper();
    await e.protect(api(), facts);
    await e.protect(api(), { remoteAddress: '203.0.113.11' });
    await e.protect(api('/api', { 'user-agent': 'other' }), facts);
    expect(rt.requests).toHaveLength(3);
  });

  it('does not cache allow by default, nor TTL 0, nor fallbacks', async () => {
    const e = esper();
    rt.script({ answer: { action: 'allow', ttl_seconds: 60, cache_scope: 'client' }, times: 1 });
    rt.script({ answer: { action: 'block', ttl_seconds: 0 }, times: 1 });
    rt.script({ answer: { fault: 'status', status: 500 }, times: 1 });
    for (let i = 0; i < 4; i++) await e.protect(api(), facts);
    expect(rt.requests).toHaveLength(4);
  });

  it('caches allow when asked to', async () => {
    rt.script({ answer: { action: 'allow', ttl_seconds: 60, cache_scope: 'client' } });
    const e = esper({ cache: { cacheAllow: true } });
    await e.protect(api(), facts);
    expect((await e.protect(api(), facts)).source).toBe('cache');
  });

  it('a request carrying a clearance skips the cached challenge and replaces it', async () => {
    rt.script({
      answer: { action: 'challenge', ttl_seconds: 60, cache_scope: 'client' },
      times: 1,
    });
    rt.script({ answer: { action: 'allow' } });
    const e = esper();
    await e.protect(browser(), facts);
    expect((await e.protect(browser(), facts)).source).toBe('cache');
    const cleared = await e.protect(browser('/page', { cookie: 'esper_clearance=tok' }), facts);
    expect(cleared).toMatchObject({ action: 'allow', source: 'remote' });
    expect((rt.requests.at(-1)!.body as { clearance?: string }).clearance).toBe('tok');
    expect((await e.protect(browser(), facts)).source).toBe('remote');
  });

  it('expires with the runtime TTL and stays within its bound', async () => {
    let clock = Date.now();
    rt.script({ answer: { action: 'block', ttl_seconds: 1, cache_scope: 'client' } });
    const e = esper({ now: () => clock, cache: { maxEntries: 5 } });
    await e.protect(api(), facts);
    clock += 1001;
    expect((await e.protect(api(), facts)).source).toBe('remote');
    for (let i = 0; i < 20; i++) await e.protect(api(), { remoteAddress: `198.51.100.${i}` });
    expect(e.cacheSize).toBe(5);
  });
});

describe('tampering', () => {
  /** A transport between the SDK and the runtime that changes what was signed. */
  const tamper = (change: (body: string) => string): Transport => {
    const inner = createUndiciTransport({ load: () => import('undici') });
    return {
      send: (req) => inner.send({ ...req, body: change(req.body) }),
      warm: inner.warm,
      close: inner.close,
    };
  };

  it('a body changed after signing is refused as bad_signature', async () => {
    // Not a timing test: a generous timeout keeps a loaded CI machine from deciding it.
    const d = await esper({
      timeoutMs: 5000,
      transport: tamper((b) => b.replace('203.0.113.10', '198.51.100.1')),
    }).protect(api(), facts);
    expect(d).toMatchObject({ reason: 'bad_status', status: 401 });
    expect(rt.requests[0]!.response?.body).toContain('bad_signature');
  });

  it('a timestamp over 5 minutes old is refused as stale_timestamp', async () => {
    const d = await esper({ now: () => Date.now() - 301_000 }).protect(api(), facts);
    expect(d).toMatchObject({
      reason: 'bad_status',
      status: 401,
      message: 'runtime answered 401 (stale_timestamp)',
    });
  });

  it('a replayed request is refused as replayed_request', async () => {
    let first: { url: string; headers: Record<string, string>; body: string } | undefined;
    const inner = createUndiciTransport({ load: () => import('undici') });
    const recorder: Transport = {
      send: (req) => {
        first ??= { url: req.url, headers: req.headers, body: req.body };
        return inner.send({ ...req, headers: first.headers, body: first.body });
      },
    };
    const e = esper({ timeoutMs: 5000, transport: recorder });
    expect((await e.protect(api(), facts)).source).toBe('remote');
    expect(await e.protect(api(), facts)).toMatchObject({
      status: 401,
      message: 'runtime answered 401 (replayed_request)',
    });
    await inner.close?.();
  });

  it('an unknown key is refused as unknown_key', async () => {
    expect(await esper({ apiKey: 'nobody' }).protect(api(), facts)).toMatchObject({
      message: 'runtime answered 401 (unknown_key)',
    });
  });
});

describe('never throws, never loses the request', () => {
  it('a throwing transport, onDecision or fields callback yields a decision', async () => {
    const warn = vi.fn();
    const logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    const transport: Transport = {
      send: () => {
        throw 'not even an Error';
      },
    };
    const d = await esper({
      transport,
      logger,
      onDecision: () => {
        throw new Error('hook');
      },
      fields: () => {
        throw new Error('fields');
      },
    }).protect(api(), facts);
    expect(d).toMatchObject({ action: 'allow', source: 'fallback', reason: 'network' });
    await d.pending;
    expect(warn.mock.calls.map((c) => c[1])).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/fields/),
        expect.stringMatching(/onDecision/),
      ]),
    );
  });

  it('hands background work to waitUntil', async () => {
    const waitUntil = vi.fn();
    let seen: Decision | undefined;
    const d = await esper({
      onDecision: async (x) => {
        seen = x;
      },
    }).protect(api(), { ...facts, waitUntil });
    expect(waitUntil).toHaveBeenCalledWith(d.pending);
    await d.pending;
    expect(seen).toBe(d);
  });

  it('a custom response that throws falls back to the default block', async () => {
    rt.script({ answer: { action: 'block' } });
    const e = esper({
      responses: {
        block: () => {
          throw new Error('oops');
        },
      },
    });
    expect((await e.respond(await e.protect(api(), facts), api()))!.status).toBe(403);
  });

  it('custom responses are used', async () => {
    rt.script({ answer: { action: 'block' } });
    const e = esper({
      responses: { block: (d) => new Response(`nope ${d.decisionId}`, { status: 429 }) },
    });
    const res = await e.respond(await e.protect(api(), facts), api());
    expect(res!.status).toBe(429);
  });
});

describe('routes and fields', () => {
  it('skips static assets and excluded routes without a call', async () => {
    const e = esper({ exclude: ['/health'], include: ['/app/**', '/health'] });
    expect((await e.protect(browser('/health'), facts)).source).toBe('skipped');
    expect((await e.protect(browser('/other'), facts)).source).toBe('skipped');
    expect((await e.protect(browser('/app/x'), facts)).source).toBe('remote');
    expect(await esper().protect(browser('/_next/static/logo.png'), facts)).toMatchObject({
      source: 'skipped',
      reason: 'excluded',
      action: 'allow',
    });
    expect(rt.requests).toHaveLength(1);
  });

  it('sends tenant fields from the callback', async () => {
    await esper({
      fields: async (r) => ({ email: r.headers.get('x-email'), account_id: 'acct-123' }),
    }).protect(api('/api', { 'x-email': 'u@example.com' }), facts);
    expect((rt.requests[0]!.body as { fields: object }).fields).toEqual({
      email: 'u@example.com',
      account_id: 'acct-123',
    });
  });
});

describe('undici transport (@esper/core/node)', () => {
  it('decides, reuses its connection, and times out with the socket closed', () =>
    isolated(async (runtime) => {
      const transport = createUndiciTransport({ load: () => import('undici') });
      const e = esper({ apiBase: runtime.url, transport });
      runtime.script({ answer: { action: 'block' }, times: 1 });
      expect((await e.protect(api(), facts)).action).toBe('block');
      expect((await e.protect(api(), facts)).action).toBe('allow');
      expect(runtime.openConnections()).toBe(1);
      runtime.script({ answer: { fault: 'hang' } });
      const started = performance.now();
      expect(await e.protect(api(), facts)).toMatchObject({ reason: 'timeout' });
      expect(performance.now() - started).toBeLessThan(400);
      // The aborted socket is gone; only the idle keep-alive one may remain until close().
      expect(await waitForNoSockets(runtime)).toBeLessThanOrEqual(1);
      expect(await eventually(() => runtime.requests.at(-1)!.aborted === true)).toBe(true);
      await e.close();
      expect(await waitForNoSockets(runtime)).toBe(0);
    }));

  it('retries loading undici after a failed (warm-up) load', async () => {
    let calls = 0;
    const transport = createUndiciTransport({
      load: async () => {
        calls++;
        if (calls === 1) throw new Error('load failed');
        return (await import('undici')) as never;
      },
    });
    // createEsper warms the transport: that first load fails in the background, unseen.
    const e = esper({ transport });
    expect(await e.protect(api(), facts)).toMatchObject({ source: 'remote' });
    expect(calls).toBe(2);
    await e.close();
  });
});

describe('facts.clientIp', () => {
  it('an adapter-resolved client IP replaces header resolution, normalized', async () => {
    const e = esper({ clientIp: { preset: 'heroku' } });
    await e.protect(api('/api', { 'x-forwarded-for': '6.6.6.6, 198.51.100.1' }), {
      clientIp: '::ffff:203.0.113.77',
    });
    expect((rt.requests[0]!.body as { request: { client_ip?: string } }).request.client_ip).toBe(
      '203.0.113.77',
    );
  });

  it('an invalid one is dropped, not sent', async () => {
    await esper().protect(api(), { clientIp: 'not-an-ip', remoteAddress: '203.0.113.10' });
    expect(
      (rt.requests[0]!.body as { request: { client_ip?: string } }).request.client_ip,
    ).toBeUndefined();
  });
});

describe('review fixes', () => {
  it('a clearance (even a forged one) does not lift a cached block', async () => {
    rt.script({ answer: { action: 'block', ttl_seconds: 60, cache_scope: 'client' } });
    const e = esper();
    await e.protect(browser(), facts);
    const again = await e.protect(
      browser('/page?esper_clearance=forged', { cookie: 'esper_clearance=forged' }),
      facts,
    );
    expect(again).toMatchObject({ action: 'block', source: 'cache' });
    expect(rt.requests).toHaveLength(1);
  });

  it('a cached decision does not replay the Set-Cookie meant for the first response', async () => {
    rt.script({
      answer: {
        action: 'block',
        ttl_seconds: 60,
        cache_scope: 'client',
        response_headers: [
          ['set-cookie', 'seen=1'],
          ['x-why', 'policy'],
        ],
      },
    });
    const e = esper();
    expect((await e.protect(api(), facts)).responseHeaders).toEqual([
      ['set-cookie', 'seen=1'],
      ['x-why', 'policy'],
    ]);
    expect((await e.protect(api(), facts)).responseHeaders).toEqual([['x-why', 'policy']]);
  });

  it('user agents that differ only past the wire limit share one cache entry', async () => {
    rt.script({ answer: { action: 'block', ttl_seconds: 60, cache_scope: 'client' } });
    const e = esper();
    const ua = 'x'.repeat(800);
    await e.protect(api('/api', { 'user-agent': `${ua}a` }), facts);
    expect((await e.protect(api('/api', { 'user-agent': `${ua}b` }), facts)).source).toBe('cache');
    expect(e.cacheSize).toBe(1);
  });

  it('a static-looking path is protected for methods other than GET and HEAD', async () => {
    const e = esper({ excludeStaticAssets: 'by-extension' });
    const post = new Request('https://app.example/download/report.txt', { method: 'POST' });
    expect((await e.protect(post, facts)).source).toBe('remote');
    expect(
      (await e.protect(new Request('https://app.example/download/report.txt'), facts)).source,
    ).toBe('skipped');
  });

  it('route rules see /%61dmin as /admin', async () => {
    const e = esper({ exclude: ['/admin'] });
    expect((await e.protect(browser('/%61dmin'), facts)).source).toBe('skipped');
  });

  it('a failClosedRoutes function or a logger that throws cannot make protect() throw', async () => {
    rt.script({ answer: { fault: 'status', status: 500 } });
    const throwing = () => {
      throw new Error('boom');
    };
    const logger = { debug: throwing, info: throwing, warn: throwing, error: throwing };
    const d = await esper({ logger, failClosedRoutes: [() => throwing()] }).protect(api(), facts);
    expect(d).toMatchObject({ action: 'block', source: 'fallback', reason: 'bad_status' });
  });

  it('an id that cannot travel in a header never reaches one', async () => {
    rt.script({ answer: { action: 'block', decision_id: 'dec\r\nx-evil: 1' } });
    const e = esper();
    const d = await e.protect(browser(), facts);
    const res = await e.respond(d, browser());
    expect(res!.status).toBe(403);
    expect(res!.headers.get('x-evil')).toBeNull();
  });
});
