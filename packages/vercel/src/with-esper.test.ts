import { EsperConfigError } from '@esper/core';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
// Only the type is exported from next/server; this is the class Next constructs for middleware.
import { NextFetchEvent } from 'next/dist/server/web/spec-extension/fetch-event.js';
import { type NextProxy, NextRequest, NextResponse } from 'next/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { overriddenHeaders } from './request-headers.js';
import { type EsperVercelOptions, withEsper } from './with-esper.js';

const KEY = { apiKey: 'vercel_unit', secret: 'vercel_unit_secret_0123456789abcdef' };
let runtime: MockRuntime;
let options: EsperVercelOptions;

beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [
      { match: { path: '/block' }, answer: { action: 'block' } },
      {
        match: { path: '/cookies' },
        answer: {
          action: 'allow',
          decision_id: 'dec_cookies',
          response_headers: [['set-cookie', 'rt=1; Path=/']],
          upstream_headers: [['x-risk', 'low']],
        },
      },
    ],
  });
  options = { apiBase: runtime.url, ...KEY, env: {}, cache: false, timeoutMs: 2000 };
  // The first fetch of a cold process is slow; keep it out of the assertions below.
  await withEsper(options)(new Request('https://a.example/warmup'));
});
afterAll(() => runtime.close());
beforeEach(() => runtime.reset());

const req = (path: string, headers: Record<string, string> = {}) =>
  new NextRequest(`https://a.example${path}`, {
    headers: { 'x-real-ip': '203.0.113.5', ...headers },
  });
const event = (waitUntil: (p: Promise<unknown>) => void = () => {}) =>
  new NextFetchEvent({ request: req('/'), page: '/', context: { waitUntil } });
interface Body {
  request: { client_ip?: string };
  geo?: Record<string, string>;
  request_id?: string;
  source: Record<string, string>;
}
const lastBody = () => runtime.requests.at(-1)?.body as Body;

describe('withEsper()', () => {
  it('continues with the decision in the request headers, replacing what the client sent', async () => {
    const res = await withEsper(options)(
      req('/cookies', { 'x-esper-decision': 'forged' }),
      event(),
    );
    expect(res.headers.get('x-middleware-next')).toBe('1');
    const upstream = overriddenHeaders(res)!;
    expect(upstream.get('x-esper-decision')).toBe('allow');
    expect(upstream.get('x-esper-decision-id')).toBe('dec_cookies');
    expect(upstream.get('x-esper-mode')).toBe('live');
    expect(upstream.get('x-risk')).toBe('low');
    expect(upstream.get('x-real-ip')).toBe('203.0.113.5');
    expect(res.headers.getSetCookie()).toEqual(['rt=1; Path=/']);
  });

  it('answers a block itself', async () => {
    const res = await withEsper(options)(req('/block', { accept: 'application/json' }), event());
    expect(res.status).toBe(403);
    expect(res.headers.has('x-middleware-next')).toBe(false);
  });

  it('sends the client IP, geo and request id Vercel sets, and reports the runtime', async () => {
    const headers = {
      'x-vercel-ip-country': 'BR',
      'x-vercel-ip-country-region': 'SP',
      'x-vercel-ip-city': 'S%C3%A3o%20Paulo',
      'x-vercel-id': 'gru1::abc-123',
    };
    await withEsper(options)(req('/hello', headers), event());
    const body = lastBody();
    expect(body.request.client_ip).toBe('203.0.113.5');
    expect(body.geo).toEqual({ country: 'BR', region: 'SP', city: 'São Paulo' });
    expect(body.request_id).toBe('gru1::abc-123');
    expect(body.source).toEqual({ sdk: '@esper/vercel', version: '0.1.0', runtime: 'vercel-node' });
  });

  it('drops a malformed city instead of throwing', async () => {
    const res = await withEsper(options)(
      req('/hello', { 'x-vercel-ip-city': '%E0%A4%A' }),
      event(),
    );
    expect(res.headers.get('x-middleware-next')).toBe('1');
    expect(lastBody().geo).toBeUndefined();
  });

  it("hands background work to Next's waitUntil, called on the event", async () => {
    const handed: Promise<unknown>[] = [];
    let hookRan = false;
    const mw = withEsper({
      ...options,
      onDecision: async () => {
        hookRan = true;
      },
    });
    await mw(
      req('/hello'),
      event((p) => handed.push(p)),
    );
    expect(handed).toHaveLength(1);
    await handed[0];
    expect(hookRan).toBe(true);
  });

  it('hands background work to Routing Middleware context.waitUntil, and runs without one', async () => {
    const handed: Promise<unknown>[] = [];
    const mw = withEsper({ ...options, onDecision: () => {} });
    await mw(new Request('https://a.example/hello'), { waitUntil: (p) => handed.push(p) });
    expect(handed).toHaveLength(1);
    expect((await mw(new Request('https://a.example/hello'))).status).toBe(200);
  });

  it('never throws when waitUntil does', async () => {
    const mw = withEsper({ ...options, onDecision: () => {} });
    const res = await mw(req('/hello'), {
      waitUntil: () => {
        throw new Error('request already finished');
      },
    });
    expect(overriddenHeaders(res)!.get('x-esper-decision-id')).toMatch(/.+/);
  });

  it('never throws when the runtime is unreachable: it fails open', async () => {
    const mw = withEsper({ ...options, apiBase: 'http://127.0.0.1:9' });
    const res = await mw(req('/hello'), event());
    expect(overriddenHeaders(res)!.get('x-esper-decision')).toBe('allow');
  });

  it('fails at start-up on bad configuration', () => {
    expect(() => withEsper({ ...options, timeoutMs: 0 })).toThrow(EsperConfigError);
    expect(() => withEsper({ env: {} })).toThrow(/apiKey/);
  });
});

describe('withEsper(existingMiddleware)', () => {
  it('runs the middleware with the decision and merges its request headers and cookies', async () => {
    const seen: unknown[] = [];
    const mw = withEsper((request: NextRequest, ev: NextFetchEvent, decision) => {
      seen.push(ev, decision.action);
      const headers = new Headers(request.headers);
      headers.set('x-user', 'u1');
      headers.delete('x-real-ip');
      headers.set('x-esper-decision', 'forged-by-app');
      const res = NextResponse.next({ request: { headers } });
      res.cookies.set('mine', '2');
      return res;
    }, options);
    const ev = event();
    const res = await mw(req('/cookies'), ev);
    expect(seen).toEqual([ev, 'allow']);
    const upstream = overriddenHeaders(res)!;
    expect(upstream.get('x-user')).toBe('u1');
    expect(upstream.has('x-real-ip')).toBe(false);
    expect(upstream.get('x-esper-decision')).toBe('allow');
    expect(upstream.get('x-risk')).toBe('low');
    expect(res.headers.getSetCookie()).toEqual(['mine=2; Path=/', 'rt=1; Path=/']);
  });

  it("adds the decision's cookies to a final response and leaves it final", async () => {
    const mw = withEsper(() => NextResponse.redirect('https://a.example/login'), options);
    const res = await mw(req('/cookies'), event());
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('https://a.example/login');
    expect(res.headers.getSetCookie()).toEqual(['rt=1; Path=/']);
    expect(overriddenHeaders(res)).toBeUndefined();
  });

  it("fits Next's types: a NextProxy goes in, a NextProxy comes out", async () => {
    const existing: NextProxy = (request) => {
      if (request.nextUrl.pathname === '/old')
        return NextResponse.redirect(new URL('/new', request.url));
    };
    const proxy: NextProxy = withEsper(existing, options);
    const res = await proxy(req('/old'), event());
    expect(res && new URL(res.headers.get('location')!).pathname).toBe('/new');
  });

  it('passes the decision to a middleware that returns nothing', async () => {
    const mw = withEsper(() => undefined, options);
    const res = await mw(req('/cookies'), event());
    expect(overriddenHeaders(res)!.get('x-esper-decision-id')).toBe('dec_cookies');
  });

  it('does not run the middleware on an enforced block', async () => {
    let ran = false;
    const mw = withEsper(() => {
      ran = true;
    }, options);
    expect((await mw(req('/block'), event())).status).toBe(403);
    expect(ran).toBe(false);
  });

  it('runs the middleware in monitor mode, where a block is not enforced', async () => {
    let action = '';
    const mw = withEsper(
      (_r, _e, d) => {
        action = d.action;
      },
      { ...options, mode: 'monitor' },
    );
    const res = await mw(req('/block'), event());
    expect(action).toBe('block');
    expect(overriddenHeaders(res)!.get('x-esper-mode')).toBe('monitor');
  });
});
