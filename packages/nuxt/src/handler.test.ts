import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EsperConfigError } from '@esper/core';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import {
  createApp,
  createRouter,
  defineEventHandler,
  getRequestHeader,
  setResponseHeader,
  toNodeListener,
} from 'h3';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { rawRequest } from '../../../test/helpers/raw-http.js';
import { type Decision, esperHandler } from './index.js';
import { defaultPreset } from './platform.js';
import { forward, renderedPath, routedPath } from './request.js';

const KEY = { apiKey: 'nuxt_unit_key', secret: 'nuxt_unit_secret_0123456789' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw request line (fetch would normalise the target). */
async function raw(base: string, target: string) {
  const res = await rawRequest(base, { target, headers: [['host', 'app.test']] });
  return { status: res.status, handler: res.headers.get('x-handler') };
}

/** An h3 app laid out as Nitro lays it out: middleware on the app, routes on a preemptive router. */
function nitroLikeApp(middleware: ReturnType<typeof esperHandler>, seen: string[]) {
  const app = createApp();
  app.use(
    defineEventHandler((event) => {
      seen.push(event.path);
    }),
  );
  app.use(middleware);
  const router = createRouter({ preemptive: true });
  const route = (name: string) =>
    defineEventHandler((event) => {
      const decision = event.context.esper;
      expectTypeOf(decision).toEqualTypeOf<Decision | undefined>();
      setResponseHeader(event, 'x-handler', name);
      return {
        handler: name,
        web: Object.fromEntries(event.headers),
        node: event.node.req.headers,
        raw: event.node.req.rawHeaders,
        forgedNode: getRequestHeader(event, 'x-esper-forged') ?? null,
        action: decision?.action,
      };
    });
  router.use('/admin', route('/admin'));
  router.use('/**', route('/**'));
  app.use(router.handler);
  return app;
}

describe('esperHandler() in an h3 app', () => {
  let runtime: MockRuntime;
  let server: Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    runtime = await startMockRuntime({
      keys: [KEY],
      answers: [
        { match: { path: '/admin' }, answer: { action: 'block' } },
        {
          match: { path: '/echo' },
          answer: {
            action: 'allow',
            decision_id: 'dec_nuxt',
            response_headers: [
              ['set-cookie', 'rt_a=1; Path=/'],
              ['set-cookie', 'rt_b=2; Path=/'],
            ],
            upstream_headers: [['x-upstream-test', 'yes']],
          },
        },
      ],
    });
    const handler = esperHandler({ ...KEY, apiBase: runtime.url, timeoutMs: 2000, env: {} });
    const app = nitroLikeApp(handler, seen);
    const listener = toNodeListener(app);
    server = createServer((req, res) => listener(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.close();
    await runtime?.close();
  });

  it('blocks with the decision response; the route never runs', async () => {
    const res = await fetch(`${base}/admin`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-handler')).toBeNull();
  });

  it('passes an allow on with the decision in every view of the headers, the forged ones gone', async () => {
    const res = await fetch(`${base}/echo`, {
      headers: { 'x-esper-decision': 'forged', 'x-esper-forged': '1', 'x-upstream-test': 'client' },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    for (const view of [body.web, body.node]) {
      expect(view['x-esper-decision']).toBe('allow');
      expect(view['x-esper-decision-id']).toBe('dec_nuxt');
      expect(view['x-upstream-test']).toBe('yes');
      expect(view['x-esper-forged']).toBeUndefined();
    }
    expect(body.forgedNode).toBeNull();
    expect(body.raw.join('\n')).not.toMatch(/forged|client/);
    expect(body.raw).toContain('dec_nuxt');
    expect(body.action).toBe('allow');
    expect(res.headers.getSetCookie()).toEqual(['rt_a=1; Path=/', 'rt_b=2; Path=/']);
  });

  it('decides on the path h3 routes on: `%3F` decoded is where the router cuts', async () => {
    // h3 decodes `/admin%3Fx` to `/admin?x` and its router serves `/admin`.
    const res = await raw(base, '/admin%3Fx');
    expect(res.status).toBe(403);
    expect(res.handler).toBeNull();
    const asked = runtime.requests.map(
      (r) => (r.body as { request: { path: string } }).request.path,
    );
    expect(asked).toContain('/admin');
  });

  it('`/admin/_payload.json` (Nuxt renders `/admin` for it) is decided as `/admin`', async () => {
    // Nuxt's renderer answers `<page>/_payload.json` (`_payload.js`) with the page's data,
    // rendered from `<page>`, where payload extraction is on (`isr`/`cache` route rules). Its
    // test is a RegExp whose `.` is any character: `_payloadXjson` is rendered the same way.
    for (const target of [
      '/admin/_payload.json',
      '/admin/_payload.js?_b=1',
      '/admin/_payloadXjson',
    ]) {
      const res = await raw(base, target);
      expect(res.status, target).toBe(403);
      expect(res.handler, target).toBeNull();
    }
    expect(renderedPath('/_payload.json')).toBe('/');
    expect(renderedPath('/x/_payload.json/y')).toBe('/x/_payload.json/y');
    expect(renderedPath('/x/_PAYLOAD.JSON')).toBe('/x/_PAYLOAD.JSON');
  });

  it('routedPath is the path h3 hands its handlers, up to the query', async () => {
    const targets = [
      '/plain?q=1',
      '/%61dmin',
      '/a%2Fb',
      '/a%2fb%2F',
      '/%2561dmin',
      '/%25%61',
      '/bad%zz',
      '/admin%3Fx?y',
      '/admin%23x',
      '/caf%C3%A9',
      '/x%5Cy',
    ];
    const check = esperHandler({
      ...KEY,
      apiBase: runtime.url,
      timeoutMs: 2000,
      env: {},
      mode: 'monitor',
    });
    const local: string[] = [];
    const app = nitroLikeApp(check, local);
    const listener = toNodeListener(app);
    const s = createServer((req, res) => listener(req, res));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      for (const target of targets) {
        local.length = 0;
        await raw(url, target);
        const h3Path = local[0]!.split('?')[0]!;
        expect(routedPath(target), target).toBe(h3Path.replace(/\\/g, '%5C'));
      }
    } finally {
      s.close();
    }
  });

  it('refuses what h3 would not route as a path (absolute-form)', async () => {
    const res = await raw(base, 'http://app.test/admin');
    expect(res.status).toBe(400);
    expect(routedPath('*')).toBeUndefined();
  });

  it('throws at start-up naming a bad option', () => {
    expect(() => esperHandler({ ...KEY, timeoutMs: -1, env: {} })).toThrow(EsperConfigError);
    expect(() => esperHandler({ ...KEY, timeoutMs: -1, env: {} })).toThrow(/timeoutMs/);
  });

  it('hands pending work to event.waitUntil', async () => {
    const calls: Promise<unknown>[] = [];
    const app = createApp();
    app.use(
      defineEventHandler((event) => {
        // What Nitro does on every event (h3 >= 1.11 has the method; Nitro sets it).
        (event as { waitUntil?: (p: Promise<unknown>) => void }).waitUntil = (p) => calls.push(p);
      }),
    );
    let hookDone = false;
    const onDecision = async () => {
      await sleep(30);
      hookDone = true;
    };
    app.use(esperHandler({ ...KEY, apiBase: runtime.url, timeoutMs: 2000, env: {}, onDecision }));
    app.use(defineEventHandler(() => 'ok'));
    const listener = toNodeListener(app);
    const s = createServer((req, res) => listener(req, res));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/slow-work`);
      expect(res.status).toBe(200);
      expect(calls).toHaveLength(1);
      expect(hookDone, 'the response did not wait for the hook').toBe(false);
      await calls[0];
      expect(hookDone).toBe(true);
    } finally {
      s.close();
    }
  });
});

describe('forward', () => {
  it('works where rawHeaders is a getter over headers (Nitro local fetch, node-mock-http)', () => {
    const node: Record<string, string> = { 'x-esper-decision': 'forged', accept: '*/*' };
    const req = {
      headers: node,
      get rawHeaders() {
        return Object.entries(node).flat();
      },
    };
    const event = { headers: new Headers(node), node: { req } } as unknown as Parameters<
      typeof forward
    >[0];
    const upstream = new Headers({ accept: '*/*', 'x-esper-decision': 'allow' });
    forward(event, upstream);
    expect(req.rawHeaders).toEqual(['accept', '*/*', 'x-esper-decision', 'allow']);
    expect(event.headers.get('x-esper-decision')).toBe('allow');
  });

  it('refuses to go on when a view keeps a forged header', () => {
    const node: Record<string, string> = { 'x-esper-decision': 'forged' };
    const frozen = Object.freeze(['x-esper-decision', 'forged']);
    const req = {
      headers: node,
      get rawHeaders() {
        return frozen as unknown as string[];
      },
    };
    const event = { headers: new Headers(node), node: { req } } as unknown as Parameters<
      typeof forward
    >[0];
    expect(() => forward(event, new Headers({ 'x-esper-decision': 'allow' }))).toThrow(
      /cannot pass the request on/,
    );
  });
});

describe('defaultPreset', () => {
  it('is the platform the env names, else the socket peer', () => {
    expect(defaultPreset({ VERCEL: '1' })).toBe('vercel');
    expect(defaultPreset({ DYNO: 'web.1' })).toBe('heroku');
    expect(defaultPreset({})).toBe('direct');
  });
});
