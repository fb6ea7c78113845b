import { EsperConfigError } from '@esper/core';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { RouterContextProvider } from 'react-router';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  connectionOf,
  type Decision,
  esperContext,
  esperGuard,
  esperLoadContext,
  esperMiddleware,
  esperRequestHeaders,
  routedPath,
} from './index.js';

const KEY = { apiKey: 'rr_unit_key', secret: 'rr_unit_secret_0123456789' };
type Body = { request: { path: string; client_ip?: string } };

let runtime: MockRuntime;
beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [
      { match: { path: '/block' }, answer: { action: 'block' } },
      {
        match: { path: '/cookies' },
        answer: {
          action: 'allow',
          decision_id: 'dec_rr',
          response_headers: [
            ['set-cookie', 'rt_a=1; Path=/'],
            ['set-cookie', 'rt_b=2; Path=/'],
          ],
          upstream_headers: [['x-upstream-test', 'yes']],
        },
      },
    ],
  });
});
afterAll(() => runtime?.close());

const options = () => ({ ...KEY, apiBase: runtime.url, timeoutMs: 2000, env: {} });
const socket = (remoteAddress: string) => ({
  socket: { remoteAddress },
  rawHeaders: ['X-Forwarded-For', '6.6.6.6', 'x-forwarded-for', '7.7.7.7'],
});
/** Runs the middleware as React Router does: `next()` is the loaders and the render. */
async function run(
  mw: ReturnType<typeof esperMiddleware>,
  url: string,
  context: RouterContextProvider,
  init?: RequestInit & { url?: URL },
) {
  let nextCalls = 0;
  const request = new Request(url, init);
  const next = async () => {
    nextCalls++;
    return new Response('app', { headers: { 'set-cookie': 'app=1; Path=/' } });
  };
  const args = { request, url: init?.url ?? new URL(url), context, params: {}, pattern: '' };
  const res = (await mw(args as never, next)) as Response | undefined;
  return { res: res!, nextCalls, asked: runtime.requests.at(-1)!.body as Body };
}

describe('esperMiddleware()', () => {
  it('blocks before the loaders run, with the socket peer as the client IP', async () => {
    const mw = esperMiddleware(options());
    const context = esperLoadContext(socket('203.0.113.5'));
    const { res, nextCalls, asked } = await run(mw, 'http://app.test/block', context, {
      headers: { accept: 'application/json', 'x-forwarded-for': '6.6.6.6' },
    });
    expect(res.status).toBe(403);
    expect(nextCalls).toBe(0);
    expect(asked.request.client_ip).toBe('203.0.113.5');
    expect(context.get(esperContext).action).toBe('block');
  });

  it('puts the typed decision and the vouched headers in the context; decorates the response', async () => {
    const mw = esperMiddleware(options());
    const context = esperLoadContext(socket('203.0.113.6'));
    const { res, nextCalls } = await run(mw, 'http://app.test/cookies', context, {
      headers: { 'x-esper-decision': 'forged' },
    });
    expect(nextCalls).toBe(1);
    const decision = context.get(esperContext);
    expectTypeOf(decision).toEqualTypeOf<Decision>();
    expect(decision.decisionId).toBe('dec_rr');
    const headers = context.get(esperRequestHeaders);
    expect(headers.get('x-esper-decision')).toBe('allow');
    expect(headers.get('x-upstream-test')).toBe('yes');
    expect(res.headers.getSetCookie()).toEqual([
      'app=1; Path=/',
      'rt_a=1; Path=/',
      'rt_b=2; Path=/',
    ]);
  });

  it('cleans request.headers too, the request loaders get: a forged x-esper-* is never believed', async () => {
    const mw = esperMiddleware(options());
    const request = new Request('http://app.test/cookies', {
      headers: { 'x-esper-decision': 'forged', 'x-esper-other': 'forged', 'x-upstream-test': 'no' },
    });
    let seen: Headers | undefined;
    const next = async () => {
      seen = new Headers(request.headers);
      return new Response('app');
    };
    const args = { request, context: new RouterContextProvider(), params: {}, pattern: '' };
    await mw(args as never, next);
    expect(seen!.get('x-esper-decision')).toBe('allow');
    expect(seen!.get('x-esper-decision-id')).toBe('dec_rr');
    expect(seen!.has('x-esper-other')).toBe(false);
    expect(seen!.get('x-upstream-test')).toBe('yes');
  });

  it('without esperLoadContext (react-router-serve) sends no client IP, never a header', async () => {
    const mw = esperMiddleware(options());
    const { asked } = await run(mw, 'http://app.test/hello', new RouterContextProvider(), {
      headers: { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.7' },
    });
    expect(asked.request.client_ip).toBeUndefined();
  });

  it('decides the path React Router routes on', async () => {
    const mw = esperMiddleware(options());
    for (const url of [
      'http://app.test/BLOCK',
      'http://app.test/block///',
      'http://app.test/Block/',
    ]) {
      const { res, asked } = await run(mw, url, new RouterContextProvider());
      expect(asked.request.path, url).toBe('/block');
      expect(res.status, url).toBe(403);
    }
    expect(routedPath({ request: new Request('http://h//') })).toBe('/');
    expect(routedPath({ request: new Request('http://h/a//b//') })).toBe('/a//b/');
    // A pass-through data request: React Router routes on `url`, not on the raw request's.
    const raw = new Request('http://h/Block.data');
    expect(routedPath({ request: raw, url: new URL('http://h/Block') })).toBe('/Block');
    expect(routedPath({ request: raw, unstable_url: new URL('http://h/x/') })).toBe('/x/');
    const { res, asked } = await run(
      mw,
      'http://app.test/block.data',
      new RouterContextProvider(),
      {
        url: new URL('http://app.test/block'),
      },
    );
    expect(asked.request.path).toBe('/block');
    expect(res.status).toBe(403);
  });

  it('fails at start-up on a bad option, naming it', () => {
    expect(() => esperMiddleware({ ...options(), timeoutMs: -1 })).toThrow(EsperConfigError);
    expect(() => esperMiddleware({ ...options(), timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});

describe('esperLoadContext()', () => {
  it('records the socket peer and the x-forwarded-for lines out of reach of the client', () => {
    const context = esperLoadContext(socket('198.51.100.1'));
    expect(context).toBeInstanceOf(RouterContextProvider);
    expect(connectionOf(context)).toEqual({
      remoteAddress: '198.51.100.1',
      forwardedFor: ['6.6.6.6', '7.7.7.7'],
    });
    // @react-router/node's createRequestListener hands over `client.address`.
    expect(connectionOf(esperLoadContext({ address: '::1' }))).toEqual({ remoteAddress: '::1' });
    // Onto the app's own load context (a plain object without middleware).
    const own = esperLoadContext(socket('198.51.100.2'), { db: 1 });
    expect(own.db).toBe(1);
    expect(connectionOf(own)?.remoteAddress).toBe('198.51.100.2');
    expect(connectionOf({ remoteAddress: '6.6.6.6' })).toBeUndefined();
  });
});

describe('esperGuard()', () => {
  it('throws the enforced response from a loader; returns the decision otherwise', async () => {
    const guard = esperGuard(options());
    const context = esperLoadContext(socket('203.0.113.9'), {});
    const thrown = await guard({
      request: new Request('http://app.test/block', { headers: { accept: 'application/json' } }),
      context,
    }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(403);
    expect((runtime.requests.at(-1)!.body as Body).request.client_ip).toBe('203.0.113.9');
    const request = new Request('http://app.test/cookies', {
      headers: { 'x-esper-decision': 'forged' },
    });
    const decision = await guard({ request, context });
    expect(decision.decisionId).toBe('dec_rr');
    // The loader reads its request after the guard: the decision's headers, not the client's.
    expect(request.headers.get('x-esper-decision')).toBe('allow');
  });
});
