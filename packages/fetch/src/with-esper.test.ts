import { EsperConfigError } from '@esper/core';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionOf, withEsper } from './index.js';

const KEY = { apiKey: 'fetch_unit_key', secret: 'fetch_unit_secret_0123456789' };
type Seen = { request: { path: string; client_ip?: string }; source: Record<string, string> };

let runtime: MockRuntime;
beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [
      { match: { path: '/block' }, answer: { action: 'block' } },
      {
        match: { path: '/echo' },
        answer: {
          action: 'allow',
          decision_id: 'dec_fetch',
          response_headers: [['set-cookie', 'rt=1; Path=/']],
          upstream_headers: [['x-upstream-test', 'yes']],
        },
      },
    ],
  });
});
afterAll(() => runtime?.close());

const options = () => ({ ...KEY, apiBase: runtime.url, timeoutMs: 2000, env: {} });
const last = () => runtime.requests.at(-1)!.body as Seen;

describe('withEsper', () => {
  it('decides before the handler and hands it the decision, not the client’s', async () => {
    let seen: Request | undefined;
    const handler = withEsper((request: Request) => {
      seen = request;
      return new Response('ok', { headers: { 'set-cookie': 'app=1; Path=/' } });
    }, options());
    const res = await handler(
      new Request('http://app.example/echo', { headers: { 'x-esper-decision': 'forged' } }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual(['app=1; Path=/', 'rt=1; Path=/']);
    expect(seen!.headers.get('x-esper-decision')).toBe('allow');
    expect(seen!.headers.get('x-esper-decision-id')).toBe('dec_fetch');
    expect(seen!.headers.get('x-upstream-test')).toBe('yes');
    expect(decisionOf(seen!)?.decisionId).toBe('dec_fetch');
    expect(last().source.sdk).toBe('@esper/fetch');
  });

  it('answers a block itself; the handler never runs', async () => {
    let ran = false;
    const handler = withEsper(() => {
      ran = true;
      return new Response('ok');
    }, options());
    const res = await handler(new Request('http://app.example/block'));
    expect(res.status).toBe(403);
    expect(ran).toBe(false);
  });

  it('keeps the handler’s other arguments and `this`', async () => {
    const ctx = { name: 'ctx' };
    const handler = withEsper(function (this: unknown, _r: Request, env: string, c: object) {
      return Response.json({ env, same: c === ctx, self: this === undefined });
    }, options());
    const res = await handler(new Request('http://app.example/'), 'the-env', ctx);
    expect(await res.json()).toEqual({ env: 'the-env', same: true, self: true });
  });

  it('trusts no forwarding header by default; `remoteAddress` and `trustedProxies` opt in', async () => {
    const ok = (_request: Request, _info?: { ip: string }) => new Response('ok');
    const xff = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' };
    await withEsper(ok, options())(new Request('http://app.example/', { headers: xff }));
    expect(last().request.client_ip).toBeUndefined();
    const peer = withEsper(ok, {
      ...options(),
      clientIp: { remoteAddress: (_r: Request, info: { ip: string }) => info.ip },
    });
    await peer(new Request('http://app.example/', { headers: xff }), { ip: '10.0.0.2' });
    expect(last().request.client_ip).toBe('10.0.0.2');
    const proxied = withEsper(ok, {
      ...options(),
      clientIp: { remoteAddress: () => '10.0.0.2', trustedProxies: ['10.0.0.0/8'] },
    });
    await proxied(new Request('http://app.example/', { headers: xff }));
    expect(last().request.client_ip).toBe('203.0.113.7');
  });

  it('a `remoteAddress` hook that throws is a fallback decision, open or closed by route', async () => {
    const handler = withEsper(() => new Response('ok'), {
      ...options(),
      failClosedRoutes: ['/checkout/**'],
      clientIp: {
        remoteAddress: () => {
          throw new Error('no address');
        },
      },
    });
    expect((await handler(new Request('http://app.example/open'))).status).toBe(200);
    expect((await handler(new Request('http://app.example/checkout/x'))).status).toBe(403);
  });

  it('gives background work to the platform’s waitUntil, and drain() waits for it', async () => {
    const handed: Promise<unknown>[] = [];
    let hooked = 0;
    type Ctx = { waitUntil(p: Promise<unknown>): void };
    const handler = withEsper((_r: Request, _env: object, _ctx: Ctx) => new Response('ok'), {
      ...options(),
      onDecision: async () => {
        await new Promise((r) => setTimeout(r, 50));
        hooked++;
      },
    });
    await handler(
      new Request('http://app.example/'),
      {},
      { waitUntil: (p: Promise<unknown>) => handed.push(p) },
    );
    expect(handed).toHaveLength(1);
    expect(hooked).toBe(0);
    await handler.drain();
    expect(hooked).toBe(1);
  });

  it('passes on a handler’s undefined (Bun after server.upgrade) as it is', async () => {
    const handler = withEsper(() => undefined, options());
    expect(await handler(new Request('http://app.example/'))).toBeUndefined();
  });

  it('throws at wrap time on a bad configuration, naming the option', () => {
    expect(() => withEsper(() => new Response(), { env: {}, apiKey: 'k' })).toThrow(
      EsperConfigError,
    );
    expect(() => withEsper(() => new Response(), { ...options(), mode: 'x' as never })).toThrow(
      /mode/,
    );
  });
});
