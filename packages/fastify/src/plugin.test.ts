import { connect } from 'node:http2';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../../test/helpers/raw-http.js';
import { type FastifyName, fastifyApp, KEY, listen, seenBody } from '../test/server.js';
import { EsperConfigError, type EsperFastifyOptions, SDK_VERSION } from './index.js';

let runtime: MockRuntime;
beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    decide: (body) => {
      const path = (body as { request: { path: string } }).request.path;
      if (path === '/admin' || path === '/kiosk') return { action: 'block', policy_id: 'pol' };
      if (path === '/challenge')
        return {
          action: 'challenge',
          response_headers: [
            ['set-cookie', 'c1=1; Path=/'],
            ['set-cookie', 'c2=2; Path=/'],
          ],
        };
      return {
        action: 'allow',
        response_headers: [['set-cookie', 'rt=1; Path=/']],
        upstream_headers: [['x-esper-score', '7']],
      };
    },
  });
});
afterAll(() => runtime?.close());

/** The runtime's view of the one call carrying this request's user agent. */
function asked(id: string) {
  const calls = runtime.requests.filter((r) => seenBody(r).request.headers['user-agent'] === id);
  expect(calls, `one call for ${id}`).toHaveLength(1);
  return seenBody(calls[0]!).request;
}

let n = 0;
const ua = () => `fastify-test/${++n}`;

/** The app every case uses: reports what the handler saw; counts onResponse hooks. */
async function start(
  name: FastifyName,
  options: Partial<EsperFastifyOptions> = {},
  server: FastifyServerOptions = {},
) {
  let responses = 0;
  let handled = 0;
  const app = await fastifyApp(
    name,
    { ...KEY, apiBase: runtime.url, env: {}, timeoutMs: 5_000, ...options },
    (app: FastifyInstance) => {
      app.addHook('onResponse', async () => {
        responses++;
      });
      const handler = async (
        request: import('fastify').FastifyRequest,
        reply: import('fastify').FastifyReply,
      ) => {
        handled++;
        reply.header('set-cookie', 'app=1; Path=/');
        return {
          action: request.esper?.action ?? null,
          source: request.esper?.source ?? null,
          decision: request.headers['x-esper-decision'] ?? null,
          score: request.headers['x-esper-score'] ?? null,
          spoofed: request.headers['x-esper-spoof'] ?? null,
          raw: request.raw.rawHeaders.filter((h) => h.toLowerCase().startsWith('x-esper-')),
        };
      };
      for (const path of ['/', '/admin', '/kiosk', '/challenge', '/checkout/pay', '/panel/:file'])
        app.get(path, handler);
    },
    server,
  );
  const listening = await listen(app);
  return { ...listening, handled: () => handled, responses: () => responses };
}

describe('start-up', () => {
  it.each([
    [{ env: {} }, 'apiKey'],
    [{ ...KEY, env: { ESPER_TIMEOUT_MS: 'soon' } }, 'timeoutMs'],
    [{ ...KEY, env: {}, clientIp: { preset: 'herokuu' } }, 'clientIp.preset'],
  ])('bad options fail at register, naming the option (%j)', async (options, option) => {
    const error = await fastifyApp('fastify5', options as never, () => {}).then(
      (app) => app.ready(),
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(EsperConfigError);
    expect((error as EsperConfigError).option).toBe(option);
  });
});

describe.each(['fastify4', 'fastify5'] as const)('%s', (name) => {
  it('allow: the handler sees the decision, not the client’s x-esper-*; both cookies arrive', async () => {
    const s = await start(name);
    try {
      const id = ua();
      const res = await fetch(`${s.url}/`, {
        headers: { 'user-agent': id, 'x-esper-decision': 'allow', 'x-esper-spoof': '1' },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        action: 'allow',
        source: 'remote',
        decision: 'allow',
        score: '7',
        spoofed: null,
        raw: expect.arrayContaining(['x-esper-decision', 'x-esper-score']),
      });
      expect(res.headers.getSetCookie().sort()).toEqual(['app=1; Path=/', 'rt=1; Path=/']);
      expect(asked(id)).toMatchObject({ path: '/', client_ip: '127.0.0.1', scheme: 'http' });
      expect(seenBody(runtime.requests.at(-1)!).source).toEqual({
        sdk: '@esper/fastify',
        version: SDK_VERSION,
        runtime: 'node',
      });
    } finally {
      await s.close();
    }
  });

  it('block: sent through the reply API (onResponse runs), the handler never runs', async () => {
    const s = await start(name);
    try {
      const res = await fetch(`${s.url}/admin`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('<');
      expect(s.handled()).toBe(0);
      await expect.poll(() => s.responses()).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('challenge: each Set-Cookie on its own line', async () => {
    const s = await start(name);
    try {
      const res = await fetch(`${s.url}/challenge`, {
        headers: { accept: 'text/html' },
        redirect: 'manual',
      });
      expect([302, 303, 403]).toContain(res.status);
      expect(res.headers.getSetCookie()).toEqual(['c1=1; Path=/', 'c2=2; Path=/']);
      expect(s.handled()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('a 404 is decided too, on its path', async () => {
    const s = await start(name);
    try {
      const id = ua();
      const res = await fetch(`${s.url}/nope?q=1`, { headers: { 'user-agent': id } });
      expect(res.status).toBe(404);
      expect(asked(id)).toMatchObject({ path: '/nope', query: 'q=1' });
    } finally {
      await s.close();
    }
  });

  it('default router: case-sensitive and strict, so /ADMIN and /admin/ are other routes', async () => {
    const s = await start(name);
    try {
      for (const [target, path] of [
        ['/ADMIN', '/ADMIN'],
        ['/admin/', '/admin/'],
        ['/admin#x', '/admin'],
      ] as const) {
        const id = ua();
        const res = await rawRequest(s.url, { target, headers: [['user-agent', id]] });
        expect(asked(id).path, target).toBe(path);
        expect(res.status, target).toBe(path === '/admin' ? 403 : 404);
      }
    } finally {
      await s.close();
    }
  });

  it('caseSensitive: false and ignoreTrailingSlash, from the instance’s own options', async () => {
    const router = { caseSensitive: false, ignoreTrailingSlash: true };
    const s = await start(name, {}, name === 'fastify5' ? { routerOptions: router } : router);
    try {
      // `%E2%84%AA` (KELVIN SIGN) lower-cases to `k`: the router serves /kiosk from it.
      for (const target of ['/ADMIN', '/Admin/', '/admin/', '/%E2%84%AAiosk', '/%e2%84%aaIOSK/']) {
        const res = await fetch(s.url + target);
        expect(res.status, target).toBe(403);
      }
      expect(s.handled()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('a prefixed plugin’s `/` route serves `/admin` and `/admin/`: both decided as `/admin`', async () => {
    // prefixTrailingSlash 'both' (the default) registers the route twice, one handler.
    const app = await fastifyApp(name, { ...KEY, apiBase: runtime.url, env: {} }, (app) => {
      app.register(
        async (admin) => {
          admin.get('/', async () => ({ served: 'admin root' }));
          admin.get('/x/', async () => ({ served: 'admin x' }));
        },
        { prefix: '/admin' },
      );
    });
    const s = await listen(app);
    try {
      for (const [target, path, status] of [
        ['/admin', '/admin', 403],
        ['/admin/', '/admin', 403],
        ['/admin/x/', '/admin/x/', 200],
      ] as const) {
        const id = ua();
        const res = await rawRequest(s.url, { target, headers: [['user-agent', id]] });
        expect(asked(id).path, target).toBe(path);
        expect(res.status, target).toBe(status);
      }
    } finally {
      await s.close();
    }
  });

  it('HTTP/2: a `:path` outside ASCII is routed as sent (find-my-way trims nothing)', async () => {
    // parseurl trims `/admin\u00a0` to `/admin` (a bypass for Koa); find-my-way does not.
    const s = await start(name, {}, { http2: true } as FastifyServerOptions);
    const session = connect(s.url);
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':path': path });
        stream.on('response', (h) => resolve(Number(h[':status'])));
        stream.on('error', reject);
        stream.resume();
        stream.end();
      });
    try {
      expect(await get('/admin')).toBe(403);
      for (const path of ['/admin\u00a0', '/admin\u0085', '/\u00a0admin']) {
        expect(await get(path), JSON.stringify(path)).toBe(404);
      }
      expect(s.handled()).toBe(0);
    } finally {
      session.close();
      await s.close();
    }
  });

  it('Fastify 5 with options in both places: each is honoured', async () => {
    if (name === 'fastify4') return;
    const s = await start(
      name,
      {},
      { caseSensitive: false, routerOptions: { ignoreTrailingSlash: true } },
    );
    try {
      expect((await fetch(`${s.url}/ADMIN/`)).status).toBe(403);
      expect(s.handled()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('`;`: decided where the router ends the path (Fastify 4 splits there by default)', async () => {
    const s = await start(name);
    try {
      const id = ua();
      const res = await rawRequest(s.url, { target: '/admin;x=1', headers: [['user-agent', id]] });
      if (name === 'fastify4') {
        expect(asked(id).path).toBe('/admin');
        expect(res.status).toBe(403);
      } else {
        expect(asked(id).path).toBe('/admin;x=1');
        expect(res.status).toBe(404);
      }
      expect(s.handled()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('rewriteUrl: decided on the rewritten path the router serves', async () => {
    const s = await start(
      name,
      {},
      { rewriteUrl: (req) => (req.url === '/old' ? '/admin' : req.url!) },
    );
    try {
      const res = await fetch(`${s.url}/old`);
      expect(res.status).toBe(403);
      expect(s.handled()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('without trustProxy the socket peer is the client, whatever x-forwarded-for says', async () => {
    const s = await start(name);
    try {
      const id = ua();
      await fetch(`${s.url}/`, { headers: { 'user-agent': id, 'x-forwarded-for': '6.6.6.6' } });
      expect(asked(id).client_ip).toBe('127.0.0.1');
    } finally {
      await s.close();
    }
  });

  it('with trustProxy the instance’s trust rules pick the IP and the scheme', async () => {
    const s = await start(name, {}, { trustProxy: '127.0.0.1' });
    try {
      const id = ua();
      await fetch(`${s.url}/`, {
        headers: {
          'user-agent': id,
          'x-forwarded-for': '6.6.6.6, 203.0.113.7',
          'x-forwarded-proto': 'https',
        },
      });
      expect(asked(id)).toMatchObject({ client_ip: '203.0.113.7', scheme: 'https' });
    } finally {
      await s.close();
    }
  });

  it('an untrusted peer’s x-forwarded-proto is not believed (Fastify 4’s request.protocol would)', async () => {
    const s = await start(name, {}, { trustProxy: '10.0.0.1' });
    try {
      const id = ua();
      await fetch(`${s.url}/`, { headers: { 'user-agent': id, 'x-forwarded-proto': 'https' } });
      expect(asked(id)).toMatchObject({ client_ip: '127.0.0.1', scheme: 'http' });
    } finally {
      await s.close();
    }
  });

  it('Heroku with trustProxy: the trust rules walk the router’s first line only', async () => {
    const s = await start(name, { clientIp: { preset: 'heroku' } }, { trustProxy: '127.0.0.1' });
    try {
      const id = ua();
      // The client sent two lines; the router appended its peer to the first. Walking the
      // joined header would stop at the client's 6.6.6.2.
      await rawRequest(s.url, {
        target: '/',
        headers: [
          ['user-agent', id],
          ['x-forwarded-for', '6.6.6.1, 203.0.113.8'],
          ['x-forwarded-for', '6.6.6.2'],
        ],
      });
      expect(asked(id).client_ip).toBe('203.0.113.8');
    } finally {
      await s.close();
    }
  });

  it('a Host the URL parser refuses is still decided; OPTIONS * is refused with 400', async () => {
    const s = await start(name);
    try {
      const id = ua();
      const bad = await rawRequest(s.url, {
        target: '/admin',
        headers: [
          ['host', 'a b'],
          ['user-agent', id],
        ],
      });
      expect(asked(id).path).toBe('/admin');
      expect(bad.status).toBe(403);
      const star = await rawRequest(s.url, { target: '*', method: 'OPTIONS' });
      expect(star.status).toBe(400);
      expect(s.handled()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it("runtime unreachable with failMode 'closed': 403, the handler never runs", async () => {
    const s = await start(name, { apiBase: 'http://127.0.0.1:9', failMode: 'closed' });
    try {
      const res = await fetch(`${s.url}/`, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(403);
      expect(s.handled()).toBe(0);
      expect(s.app.esperClient).toBeDefined();
    } finally {
      await s.close();
    }
  });
});
