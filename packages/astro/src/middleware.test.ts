// The branches the real @astrojs/node server (test/conformance/astro.test.ts and the matrices)
// cannot reach: a platform whose request headers are immutable and which hands the middleware a
// `waitUntil` (@astrojs/cloudflare's `locals.runtime.ctx`), and Astro's `clientAddress` where no
// Node socket was seen. The context is Astro's APIContext shape; the runtime is a real server.
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import type { APIContext, MiddlewareNext } from 'astro';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esper } from './index.js';

const KEY = { apiKey: 'astro_unit_key', secret: 'astro_unit_secret_0123456789' };

function context(request: Request, extra: Partial<Record<string, unknown>> = {}): APIContext {
  const url = new URL(request.url);
  return {
    request,
    url,
    originPathname: url.pathname,
    isPrerendered: false,
    locals: {},
    get clientAddress(): string {
      if (extra.clientAddress === undefined) throw new Error('not available');
      return extra.clientAddress as string;
    },
    ...extra,
  } as unknown as APIContext;
}

describe('esper() off Node http', () => {
  let runtime: MockRuntime;
  beforeAll(async () => {
    runtime = await startMockRuntime({
      keys: [KEY],
      answers: [{ match: { path: '/echo' }, answer: { action: 'allow', decision_id: 'dec_a' } }],
    });
  });
  afterAll(() => runtime?.close());

  it('rewrites to a copy when the request headers are immutable, and uses waitUntil', async () => {
    const hooked: string[] = [];
    const onDecision = (d: { action: string }) => void hooked.push(d.action);
    const onRequest = esper({ ...KEY, apiBase: runtime.url, timeoutMs: 2000, env: {}, onDecision });
    // Immutable headers (the guard of `Response.error()`), like a Worker's incoming request's.
    const immutable = Response.error().headers;
    const request = new Request('https://app.example/echo');
    Object.defineProperty(request, 'headers', { value: immutable });
    const waited: Array<Promise<unknown>> = [];
    const ctx = context(request, {
      clientAddress: '203.0.113.5',
      locals: { runtime: { ctx: { waitUntil: (p: Promise<unknown>) => waited.push(p) } } },
    });
    let seen: Request | undefined;
    const next = (async (payload?: unknown) => {
      seen = payload as Request;
      return new Response('ok');
    }) as MiddlewareNext;
    const res = (await onRequest(ctx, next)) as Response;
    expect(await res.text()).toBe('ok');
    expect(seen?.url).toBe('https://app.example/echo');
    expect(seen?.headers.get('x-esper-decision')).toBe('allow');
    expect(seen?.headers.get('x-esper-decision-id')).toBe('dec_a');
    expect(waited).toHaveLength(1);
    await waited[0];
    expect(hooked).toEqual(['allow']);
    expect(ctx.locals.esper?.action).toBe('allow');
    const body = runtime.requests.at(-1)?.body as { request: { client_ip?: string } };
    expect(body.request.client_ip).toBe('203.0.113.5');
  });

  it('a rewrite running the middleware again is decided on the route it renders', async () => {
    const onRequest = esper({ ...KEY, apiBase: runtime.url, timeoutMs: 2000, env: {} });
    const next = (async () => new Response('ok')) as MiddlewareNext;
    const locals = {};
    const request = new Request('https://app.example/fr/x');
    const paths = () =>
      runtime.requests.map((r) => (r.body as { request: { path: string } }).request.path);
    const before = runtime.requests.length;
    await onRequest(context(request, { locals, originPathname: '/fr/x' }), next);
    for (const [routePattern, params] of [
      ['/panel/[file]', { file: 'x' }],
      ['/docs/[...slug]', { slug: 'a/b' }],
      ['/[...path]', { path: undefined }],
    ] as const) {
      const again = new Request('https://app.example/elsewhere');
      const extra = { locals, originPathname: '/fr/x', routePattern, params };
      await onRequest(context(again, extra), next);
    }
    expect(paths().slice(before)).toEqual(['/fr/x', '/panel/x', '/docs/a/b', '/']);
  });

  it("ignores Astro's clientAddress on Node when x-forwarded-for chose it", async () => {
    const onRequest = esper({ ...KEY, apiBase: runtime.url, timeoutMs: 2000, env: {} });
    const request = new Request('https://app.example/echo', {
      headers: { 'x-forwarded-for': '6.6.6.6' },
    });
    const next = (async () => new Response('ok')) as MiddlewareNext;
    await onRequest(context(request, { clientAddress: '6.6.6.6' }), next);
    const body = runtime.requests.at(-1)?.body as { request: { client_ip?: string } };
    expect(body.request.client_ip).toBeUndefined();
  });
});
