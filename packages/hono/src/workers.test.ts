import { fileURLToPath } from 'node:url';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KEY = { apiKey: 'hono_wk_key', secret: 'hono_wk_secret_0123456789' };

// The middleware as bundled for workerd, reading its settings from the env bindings.
const worker = (options: string) => `
import { Hono } from 'hono';
import { esper } from './index.ts';
const app = new Hono();
app.use(esper(${options}));
app.get('*', (c) => c.json({ decision: c.get('esper').action, source: c.get('esper').source, ip: c.get('esper').clientIp }));
export default app;
`;
const WORKER = worker(
  '{ onDecision: async () => { await new Promise((r) => setTimeout(r, 5)); } }',
);
// A clientIp option that sets no preset must keep the Workers one (cf-connecting-ip).
const PROXIED_WORKER = worker(`{ clientIp: { trustedProxies: ['10.0.0.0/8'] } }`);

async function bundle(contents: string) {
  const out = await build({
    stdin: { contents, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@esper/source', 'workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

describe('esper() in workerd', () => {
  let runtime: MockRuntime;
  let script: string;
  let proxiedScript: string;
  const instances: Miniflare[] = [];
  const start = (bindings: Record<string, string>, source = script) => {
    const mf = new Miniflare({
      modules: true,
      script: source,
      compatibilityDate: '2025-07-01',
      bindings,
    });
    instances.push(mf);
    return mf;
  };

  beforeAll(async () => {
    runtime = await startMockRuntime({
      keys: [KEY],
      answers: [
        {
          match: { path: /^\/cached\// },
          answer: { action: 'block', ttl_seconds: 60, cache_scope: 'client' },
        },
      ],
    });
    [script, proxiedScript] = await Promise.all([bundle(WORKER), bundle(PROXIED_WORKER)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map((mf) => mf.dispose()));
    await runtime?.close();
  });

  it('configures from bindings, trusts cf-connecting-ip, sends request.cf and cf-ray', async () => {
    const mf = start({
      ESPER_API_KEY: KEY.apiKey,
      ESPER_API_SECRET: KEY.secret,
      ESPER_API_BASE: runtime.url,
      ESPER_TIMEOUT_MS: '2000',
    });
    const before = runtime.requests.length;
    const res = await mf.dispatchFetch('https://app.example/geo', {
      headers: {
        'cf-connecting-ip': '203.0.113.4',
        'x-forwarded-for': '6.6.6.6',
        'cf-ray': 'ray-1',
      },
      cf: { country: 'JP', asn: 2516 },
    });
    expect(await res.json()).toEqual({ decision: 'allow', source: 'remote', ip: '203.0.113.4' });
    const sent = runtime.requests[before]!.body as {
      geo: Record<string, unknown>;
      request_id: string;
      source: Record<string, string>;
    };
    expect(sent.geo).toMatchObject({ country: 'JP', asn: 2516 });
    expect(sent.request_id).toBe('ray-1');
    expect(sent.source).toEqual({
      sdk: '@esper/hono',
      version: '0.1.0',
      runtime: 'cloudflare-workers',
    });
  });

  it('a clientIp option without a preset (trustedProxies) still trusts cf-connecting-ip', async () => {
    const mf = start(
      {
        ESPER_API_KEY: KEY.apiKey,
        ESPER_API_SECRET: KEY.secret,
        ESPER_API_BASE: runtime.url,
        ESPER_TIMEOUT_MS: '2000',
      },
      proxiedScript,
    );
    const before = runtime.requests.length;
    const res = await mf.dispatchFetch('https://app.example/proxied', {
      headers: { 'cf-connecting-ip': '203.0.113.5', 'x-forwarded-for': '6.6.6.6' },
    });
    expect(await res.json()).toEqual({ decision: 'allow', source: 'remote', ip: '203.0.113.5' });
    const sent = runtime.requests[before]!.body as { request: { client_ip?: string } };
    expect(sent.request.client_ip).toBe('203.0.113.5');
  });

  it('keeps one client per env (the decision cache answers the second request)', async () => {
    const mf = start({
      ESPER_API_KEY: KEY.apiKey,
      ESPER_API_SECRET: KEY.secret,
      ESPER_API_BASE: runtime.url,
      ESPER_TIMEOUT_MS: '2000',
    });
    const headers = { 'cf-connecting-ip': '203.0.113.80', accept: 'application/json' };
    const before = runtime.requests.length;
    expect((await mf.dispatchFetch('https://app.example/cached/1', { headers })).status).toBe(403);
    expect((await mf.dispatchFetch('https://app.example/cached/2', { headers })).status).toBe(403);
    expect(runtime.requests.length - before).toBe(1);
  });

  it('answers 500 through Hono on a bad configuration, every time', async () => {
    const mf = start({
      ESPER_API_KEY: KEY.apiKey,
      ESPER_API_SECRET: KEY.secret,
      ESPER_MODE: 'loud',
    });
    for (const _ of [1, 2]) {
      const res = await mf.dispatchFetch('https://app.example/');
      expect(res.status).toBe(500);
      expect(await res.text()).not.toContain(KEY.secret);
    }
  });
});
