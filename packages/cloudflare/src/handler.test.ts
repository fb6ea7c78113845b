import { fileURLToPath } from 'node:url';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withEsper } from './handler.js';

const KEY = { apiKey: 'cf_unit_key', secret: 'cf_unit_secret_0123456789' };

// Runs in workerd: the worker under test is this package's source, bundled as wrangler would.
const WORKER = `
import { withEsper } from './index.ts';
export default withEsper({
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/redirect') return Response.redirect('https://example.com/next', 302);
    return Response.json({
      headers: Object.fromEntries(request.headers),
      country: request.cf?.country ?? null,
      body: request.method === 'POST' ? await request.text() : null,
    });
  },
}, { fields: (request) => ({ email: request.headers.get('x-email') }) });
`;

async function bundle(source: string): Promise<string> {
  const out = await build({
    stdin: {
      contents: source,
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@esper/source', 'workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

const cookies = [
  ['set-cookie', 'rt_a=1; Path=/'],
  ['set-cookie', 'rt_b=2; Path=/'],
] as Array<[string, string]>;

describe('withEsper in workerd', () => {
  let runtime: MockRuntime;
  let mf: Miniflare;
  let script: string;

  beforeAll(async () => {
    runtime = await startMockRuntime({
      keys: [KEY],
      answers: [
        {
          match: { path: /^\/(forward|redirect)$/ },
          answer: {
            action: 'allow',
            decision_id: 'dec_fwd',
            response_headers: cookies,
            upstream_headers: [['x-upstream-test', 'yes']],
          },
        },
        { match: { path: '/block' }, answer: { action: 'block' } },
        {
          match: { path: /^\/cached\// },
          answer: { action: 'block', ttl_seconds: 60, cache_scope: 'client' },
        },
      ],
    });
    script = await bundle(WORKER);
    mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: '2025-07-01',
      bindings: {
        ESPER_API_KEY: KEY.apiKey,
        ESPER_API_SECRET: KEY.secret,
        ESPER_API_BASE: runtime.url,
        ESPER_TIMEOUT_MS: '2000',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await mf?.dispose();
    await runtime?.close();
  });

  it('forwards the decision headers, drops spoofed ones, keeps the body and request.cf', async () => {
    const res = await mf.dispatchFetch('https://shop.example/forward', {
      method: 'POST',
      body: 'hello=world',
      headers: {
        'x-esper-decision': 'spoofed',
        'x-esper-risk': 'low',
        'cf-connecting-ip': '203.0.113.5',
      },
      cf: { country: 'NZ' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      headers: Record<string, string>;
      country: string;
      body: string;
    };
    expect(body.headers['x-esper-decision']).toBe('allow');
    expect(body.headers['x-esper-decision-id']).toBe('dec_fwd');
    expect(body.headers['x-esper-mode']).toBe('live');
    expect(body.headers['x-upstream-test']).toBe('yes');
    expect(body.headers['x-esper-risk']).toBeUndefined();
    expect(body.country).toBe('NZ');
    expect(body.body).toBe('hello=world');
    expect(res.headers.getSetCookie()).toEqual(['rt_a=1; Path=/', 'rt_b=2; Path=/']);
  });

  it('decorates a response whose headers are immutable', async () => {
    const res = await mf.dispatchFetch('https://shop.example/redirect', { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/next');
    expect(res.headers.getSetCookie()).toEqual(['rt_a=1; Path=/', 'rt_b=2; Path=/']);
  });

  it('sends cf-connecting-ip, request.cf facts and cf-ray to the runtime', async () => {
    const before = runtime.requests.length;
    await mf.dispatchFetch('https://shop.example/geo', {
      headers: {
        'cf-connecting-ip': '203.0.113.9',
        'cf-ray': '8a1b2c3d4e5f-FRA',
        'x-email': 'a@b.c',
      },
      cf: {
        country: 'DE',
        regionCode: 'BE',
        city: 'Berlin',
        asn: 3320,
        botManagement: { score: 12 } as never,
      },
    });
    const call = runtime.requests[before]!;
    const sent = call.body as {
      request: { client_ip: string };
      request_id: string;
      geo: Record<string, unknown>;
      fields: Record<string, string>;
      source: Record<string, string>;
    };
    expect(sent.request.client_ip).toBe('203.0.113.9');
    expect(sent.request_id).toBe('8a1b2c3d4e5f-FRA');
    expect(sent.geo).toMatchObject({
      country: 'DE',
      region: 'BE',
      city: 'Berlin',
      asn: 3320,
      bot_score: 12,
    });
    expect(sent.fields).toEqual({ email: 'a@b.c' });
    expect(sent.source).toEqual({
      sdk: '@esper/cloudflare',
      version: '0.1.0',
      runtime: 'cloudflare-workers',
    });
    expect(call.verification?.ok).toBe(true);
  });

  it('a clientIp option without a preset (trustedProxies) still sends cf-connecting-ip', async () => {
    // The same handler, configured with only trustedProxies for the client IP.
    const proxied = new Miniflare({
      modules: true,
      script: await bundle(
        WORKER.replace('{ fields:', "{ clientIp: { trustedProxies: ['10.0.0.0/8'] }, fields:"),
      ),
      compatibilityDate: '2025-07-01',
      bindings: {
        ESPER_API_KEY: KEY.apiKey,
        ESPER_API_SECRET: KEY.secret,
        ESPER_API_BASE: runtime.url,
        ESPER_TIMEOUT_MS: '2000',
      },
    });
    try {
      const before = runtime.requests.length;
      const res = await proxied.dispatchFetch('https://shop.example/proxied', {
        headers: { 'cf-connecting-ip': '203.0.113.6', 'x-forwarded-for': '6.6.6.6' },
      });
      expect(res.status).toBe(200);
      const sent = runtime.requests[before]!.body as { request: { client_ip?: string } };
      expect(sent.request.client_ip).toBe('203.0.113.6');
    } finally {
      await proxied.dispose();
    }
  });

  it('blocks without calling the handler', async () => {
    const res = await mf.dispatchFetch('https://shop.example/block', {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'blocked' });
  });

  it('keeps one client per env across requests (its decision cache answers the second)', async () => {
    const headers = { 'cf-connecting-ip': '203.0.113.77', 'user-agent': 'cache-probe' };
    const before = runtime.requests.length;
    expect((await mf.dispatchFetch('https://shop.example/cached/1', { headers })).status).toBe(403);
    expect((await mf.dispatchFetch('https://shop.example/cached/2', { headers })).status).toBe(403);
    expect(runtime.requests.length - before).toBe(1);
  });

  it('answers 500 and names the bad option when the bindings are invalid', async () => {
    const broken = new Miniflare({
      modules: true,
      script,
      compatibilityDate: '2025-07-01',
      bindings: { ESPER_API_KEY: KEY.apiKey, ESPER_API_SECRET: KEY.secret, ESPER_MODE: 'loud' },
    });
    try {
      const res = await broken.dispatchFetch('https://shop.example/forward');
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).toMatch(/Esper is misconfigured/);
      expect(text).not.toContain(KEY.secret);
    } finally {
      await broken.dispose();
    }
  });
});

describe('withEsper shape', () => {
  it('keeps the other handlers and accepts a bare fetch function', () => {
    const scheduled = () => {};
    const wrapped = withEsper({ fetch: () => new Response('ok'), scheduled });
    expect(wrapped.scheduled).toBe(scheduled);
    expect(typeof withEsper(() => new Response('ok')).fetch).toBe('function');
  });

  it('refuses a handler without fetch at load time', () => {
    expect(() => withEsper({ scheduled() {} })).toThrow(/no fetch method/);
  });
});
