import type { AddressInfo } from 'node:net';
import { EsperConfigError } from '@esper/core';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type Decision, esper } from './index.js';

const KEY = { apiKey: 'hono_unit_key', secret: 'hono_unit_secret_0123456789' };
const cookies = [
  ['set-cookie', 'rt_a=1; Path=/'],
  ['set-cookie', 'rt_b=2; Path=/'],
] as Array<[string, string]>;

describe('esper() on @hono/node-server', () => {
  let runtime: MockRuntime;
  let server: ReturnType<typeof serve>;
  let base: string;
  let handled = 0;

  beforeAll(async () => {
    runtime = await startMockRuntime({
      keys: [KEY],
      answers: [
        { match: { path: '/block' }, answer: { action: 'block' } },
        {
          match: { path: /^\/(echo|redirect)$/ },
          answer: {
            action: 'allow',
            decision_id: 'dec_hono',
            response_headers: cookies,
            upstream_headers: [['x-upstream-test', 'yes']],
          },
        },
      ],
    });
    const app = new Hono();
    // An earlier middleware that reads the body: HonoRequest caches it for later handlers.
    app.use('/parsed', async (c, next) => {
      await c.req.text();
      await next();
    });
    app.use(esper({ ...KEY, apiBase: runtime.url, timeoutMs: 2000, env: {} }));
    app.all('*', async (c) => {
      handled++;
      if (c.req.path === '/redirect') return Response.redirect('http://example.com/next', 302);
      const decision = c.get('esper');
      expectTypeOf(decision).toEqualTypeOf<Decision>();
      setCookie(c, 'app', '1', { path: '/' });
      return c.json({
        headers: c.req.header(),
        body: c.req.method === 'POST' ? await c.req.text() : null,
        decisionId: decision.decisionId,
      });
    });
    // Without the global override, the raw request is node-server's lightweight object, which
    // the global Request constructor rejects: the harder path for forwarding headers. (With it,
    // node-server in this process also changes the mock runtime's responses; see the README.)
    server = serve({
      fetch: app.fetch,
      hostname: '127.0.0.1',
      port: 0,
      overrideGlobalObjects: false,
    });
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await runtime?.close();
  });

  it('forwards decision headers, drops spoofed ones, keeps the body, exposes c.get("esper")', async () => {
    const res = await fetch(`${base}/echo`, {
      method: 'POST',
      body: 'hello=world',
      headers: { 'x-esper-decision': 'spoofed', 'x-esper-risk': 'low' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      headers: Record<string, string>;
      body: string;
      decisionId: string;
    };
    expect(body.headers['x-esper-decision']).toBe('allow');
    expect(body.headers['x-esper-decision-id']).toBe('dec_hono');
    expect(body.headers['x-upstream-test']).toBe('yes');
    expect(body.headers['x-esper-risk']).toBeUndefined();
    expect(body.body).toBe('hello=world');
    expect(body.decisionId).toBe('dec_hono');
    expect(res.headers.getSetCookie()).toEqual([
      'app=1; Path=/',
      'rt_a=1; Path=/',
      'rt_b=2; Path=/',
    ]);
  });

  it('forwards headers when an earlier middleware already read the body', async () => {
    const res = await fetch(`${base}/parsed`, { method: 'POST', body: 'early=1' });
    const body = (await res.json()) as { headers: Record<string, string>; body: string };
    expect(body.body).toBe('early=1');
    expect(body.headers['x-esper-decision']).toBe('allow');
  });

  it('decorates a response whose headers are immutable', async () => {
    const res = await fetch(`${base}/redirect`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://example.com/next');
    expect(res.headers.getSetCookie()).toEqual(['rt_a=1; Path=/', 'rt_b=2; Path=/']);
  });

  it('sends the socket peer as client IP, not x-forwarded-for', async () => {
    const before = runtime.requests.length;
    await fetch(`${base}/ip`, {
      headers: { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.7' },
    });
    const sent = runtime.requests[before]!.body as {
      request: { client_ip?: string };
      source: Record<string, string>;
    };
    expect(sent.request.client_ip).toBe('127.0.0.1');
    expect(sent.source).toEqual({ sdk: '@esper/hono', version: '0.1.0', runtime: 'node' });
  });

  it('answers a block itself; later handlers do not run', async () => {
    const before = handled;
    const res = await fetch(`${base}/block`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'blocked' });
    expect(handled).toBe(before);
  });
});

describe('esper() configuration outside Workers', () => {
  it('throws when the app is built, not on a request', () => {
    expect(() => esper({ ...KEY, mode: 'loud' as never, env: {} })).toThrow(EsperConfigError);
    expect(() => esper({ env: {} })).toThrow(/apiKey/);
  });

  it('reads ESPER_* from the env option', () => {
    expect(() => esper({ env: { ESPER_API_KEY: 'k', ESPER_API_SECRET: 's' } })).not.toThrow();
  });
});

describe('esper() when no copy of the request can be made', () => {
  let runtime: MockRuntime;
  beforeAll(async () => {
    runtime = await startMockRuntime({
      keys: [KEY],
      answers: [{ answer: { action: 'allow', upstream_headers: [['x-upstream-test', 'yes']] } }],
    });
  });
  afterAll(() => runtime?.close());

  function app() {
    const hono = new Hono();
    hono.use(esper({ ...KEY, apiBase: runtime.url, timeoutMs: 2000, env: {} }));
    const seen: Array<Record<string, string>> = [];
    hono.all('*', (c) => {
      seen.push(c.req.header());
      return c.text('app');
    });
    return { hono, seen };
  }

  /**
   * Not a real Request, with a method undici refuses: neither `new Request(raw, …)` nor
   * `new Request(raw.url, …)` can copy it, so only the raw request itself is left.
   */
  const uncopyable = (headers: Headers) => ({
    url: 'http://app.example/echo',
    method: 'TRACK',
    headers,
    bodyUsed: false,
    body: null,
    redirect: 'follow',
    signal: new AbortController().signal,
  });
  const spoofed = {
    'x-esper-decision': 'allow',
    'x-esper-mode': 'live',
    'x-esper-risk': 'low',
    'x-upstream-test': 'forged',
    accept: 'text/plain',
  };

  it('rewrites its own (mutable) headers: the handlers see the decision, not the client’s', async () => {
    const { hono, seen } = app();
    const res = await hono.fetch(uncopyable(new Headers(spoofed)) as unknown as Request);
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      'x-esper-decision': 'allow',
      'x-esper-mode': 'live',
      'x-upstream-test': 'yes',
      accept: 'text/plain',
    });
    expect(seen[0]!['x-esper-decision-id']).toMatch(/^dec_/);
    expect(seen[0]!['x-esper-risk']).toBeUndefined();
  });

  it('answers 500 when its headers are immutable; the handlers never run', async () => {
    class FrozenHeaders extends Headers {
      override append(): void {
        throw new TypeError('immutable');
      }
      override delete(): void {
        throw new TypeError('immutable');
      }
      override set(): void {
        throw new TypeError('immutable');
      }
    }
    const { hono, seen } = app();
    const res = await hono.fetch(uncopyable(new FrozenHeaders(spoofed)) as unknown as Request);
    expect(res.status).toBe(500);
    expect(seen).toEqual([]);
  });
});
