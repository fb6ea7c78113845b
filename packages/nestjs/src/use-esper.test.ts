import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { type CanActivate, Get, Req, Res, UseGuards } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../../test/helpers/raw-http.js';
import { addCookie, controller, KEY, PLATFORMS, type Platform, startNest } from '../test/app.js';
import {
  type Decision,
  EsperConfigError,
  EsperDecision,
  esperOf,
  SDK_VERSION,
  useEsper,
} from './index.js';

let runtime: MockRuntime;
let dir: string;
beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    decide: (body) => {
      const path = (body as { request: { path: string } }).request.path;
      if (['/admin', '/secret.txt', '/nope'].includes(path)) return { action: 'block' };
      return {
        action: 'allow',
        response_headers: [['set-cookie', 'rt=1; Path=/']],
        upstream_headers: [['x-esper-score', '7']],
      };
    },
  });
  dir = await mkdtemp(join(tmpdir(), 'esper-nest-static-'));
  await writeFile(join(dir, 'secret.txt'), 'secret');
});
afterAll(async () => {
  await runtime?.close();
  await rm(dir, { recursive: true, force: true });
});

type Seen = {
  request: { path: string; client_ip?: string; scheme: string; headers: Record<string, string> };
  source: object;
};
function asked(id: string) {
  const calls = runtime.requests.filter(
    (r) => (r.body as Seen).request.headers['user-agent'] === id,
  );
  expect(calls, `one call for ${id}`).toHaveLength(1);
  return (calls[0]!.body as Seen).request;
}
let n = 0;
const ua = () => `nest-test/${++n}`;

let guarded = 0;
const CountingGuard: CanActivate = {
  canActivate: () => {
    guarded++;
    return true;
  },
};

class TestController {
  root(req: { headers: Record<string, unknown> }, decision?: Decision) {
    return {
      action: decision?.action ?? null,
      same: esperOf(req) === decision,
      decision: req.headers['x-esper-decision'] ?? null,
      score: req.headers['x-esper-score'] ?? null,
      spoofed: req.headers['x-esper-spoof'] ?? null,
    };
  }

  admin() {
    return 'admin';
  }

  cookie(_req: unknown, res: Parameters<typeof addCookie>[0]) {
    addCookie(res, 'app=1; Path=/');
    return 'ok';
  }
}
controller(TestController, {
  root: { route: [Get(), UseGuards(CountingGuard)], params: [Req(), EsperDecision()] },
  admin: { route: [Get('admin'), UseGuards(CountingGuard)], params: [] },
  cookie: { route: [Get('cookie')], params: [Req(), Res({ passthrough: true })] },
});

const start = (platform: Platform, extra: Partial<Parameters<typeof startNest>[0]> = {}) =>
  startNest({
    platform,
    esper: { ...KEY, apiBase: runtime.url, env: {}, timeoutMs: 5_000 },
    controllers: [TestController],
    staticDir: { root: dir, setHeaders() {} },
    ...extra,
  });

describe('start-up', () => {
  it('bad options throw in useEsper(), naming the option', async () => {
    const error = await start('express', { esper: { env: {} } }).then(
      (s) => s.close(),
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(EsperConfigError);
    expect((error as EsperConfigError).option).toBe('apiKey');
  });

  it.each(PLATFORMS)('%s: useEsper() after app.init()', async (platform) => {
    const { NestFactory } = await import('@nestjs/core');
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const { Module } = await import('@nestjs/common');
    class LateModule {}
    Module({ controllers: [TestController] })(LateModule);
    const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
    const app = await NestFactory.create(LateModule, adapter, { logger: false });
    await app.init();
    try {
      const late = () => useEsper(app, { ...KEY, apiBase: runtime.url, env: {} });
      if (platform === 'express') {
        // Express already holds Nest's routes: a middleware added now runs after them, never
        // for a route. Refused, naming the app, rather than protecting nothing.
        expect(late).toThrow(EsperConfigError);
        expect(late).toThrow(/before app\.init\(\)/);
        return;
      }
      // Fastify builds each route's hooks when it starts: until listen() a hook still applies.
      late();
      await app.listen(0, '127.0.0.1');
      const res = await fetch(`${await app.getUrl()}/admin`, { headers: { 'user-agent': ua() } });
      expect(res.status).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('an app of another platform is refused, naming it', () => {
    const app = {
      use() {},
      getHttpAdapter: () => ({ getType: () => 'koa', getInstance: () => ({}) }),
      getHttpServer: () => ({ once() {} }),
    };
    expect(() => useEsper(app, { ...KEY, env: {} })).toThrow(EsperConfigError);
  });
});

describe.each(PLATFORMS)('%s platform', (platform) => {
  it('allow: the handler gets the decision (@EsperDecision, esperOf), not the client’s x-esper-*', async () => {
    const s = await start(platform);
    try {
      const id = ua();
      const before = guarded;
      const res = await fetch(s.url, {
        headers: { 'user-agent': id, 'x-esper-decision': 'allow', 'x-esper-spoof': '1' },
      });
      expect(await res.json()).toEqual({
        action: 'allow',
        same: true,
        decision: 'allow',
        score: '7',
        spoofed: null,
      });
      expect(guarded).toBe(before + 1);
      expect(asked(id)).toMatchObject({ path: '/', client_ip: '127.0.0.1' });
      expect((runtime.requests.at(-1)!.body as Seen).source).toEqual({
        sdk: '@esper/nestjs',
        version: SDK_VERSION,
        runtime: 'node',
      });
    } finally {
      await s.close();
    }
  });

  it('the runtime’s cookie and the app’s both arrive', async () => {
    const s = await start(platform);
    try {
      const res = await fetch(`${s.url}/cookie`);
      expect(res.headers.getSetCookie().sort()).toEqual(['app=1; Path=/', 'rt=1; Path=/']);
    } finally {
      await s.close();
    }
  });

  it('block: 403 before guards and the handler', async () => {
    const s = await start(platform);
    try {
      const before = guarded;
      const res = await fetch(`${s.url}/admin`, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(403);
      expect(guarded).toBe(before);
    } finally {
      await s.close();
    }
  });

  it('404s and static files (useStaticAssets) are decided too', async () => {
    const s = await start(platform);
    try {
      expect((await fetch(`${s.url}/nope`)).status).toBe(403);
      expect((await fetch(`${s.url}/secret.txt`)).status).toBe(403);
      const id = ua();
      expect((await fetch(`${s.url}/other`, { headers: { 'user-agent': id } })).status).toBe(404);
      expect(asked(id).path).toBe('/other');
    } finally {
      await s.close();
    }
  });

  it('decided on the path the platform’s router routes', async () => {
    const s = await start(platform);
    try {
      const id = ua();
      const res = await rawRequest(s.url, { target: '/ADMIN/', headers: [['user-agent', id]] });
      if (platform === 'express') {
        // Express: case-insensitive, one trailing slash ignored: /ADMIN/ is /admin.
        expect(asked(id).path).toBe('/admin');
        expect(res.status).toBe(403);
      } else {
        // find-my-way's defaults: case-sensitive and strict, /ADMIN/ is no route.
        expect(asked(id).path).toBe('/ADMIN/');
        expect(res.status).toBe(404);
      }
    } finally {
      await s.close();
    }
  });

  it.runIf(platform === 'fastify')(
    'a prefixed Fastify plugin’s `/` route serves `/nope/` too: decided as `/nope`',
    async () => {
      const s = await start(platform, {
        fastifySetup: (fastify) =>
          fastify.register(
            async (admin: { get(path: string, h: () => Promise<string>): unknown }) => {
              admin.get('/', async () => 'plugin root');
            },
            { prefix: '/nope' },
          ),
      });
      try {
        const id = ua();
        const res = await rawRequest(s.url, { target: '/nope/', headers: [['user-agent', id]] });
        expect(asked(id).path).toBe('/nope');
        expect(res.status).toBe(403);
      } finally {
        await s.close();
      }
    },
  );

  it('Nest middleware run after the decision: never for a block, never with a forged x-esper-*', async () => {
    const { NestFactory } = await import('@nestjs/core');
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const { Module } = await import('@nestjs/common');
    const seen: Array<[string, unknown]> = [];
    class MiddlewareModule {
      configure(consumer: import('@nestjs/common').MiddlewareConsumer) {
        consumer
          .apply((req: { headers: Record<string, unknown> }, _res: unknown, next: () => void) => {
            seen.push([String(req.headers['user-agent']), req.headers['x-esper-decision'] ?? null]);
            next();
          })
          .forRoutes('*');
      }
    }
    Module({ controllers: [TestController] })(MiddlewareModule);
    const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
    const app = await NestFactory.create(MiddlewareModule, adapter, { logger: false });
    useEsper(app, { ...KEY, apiBase: runtime.url, env: {} });
    await app.listen(0, '127.0.0.1');
    try {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const [blocked, allowed] = [ua(), ua()];
      expect((await fetch(`${url}/admin`, { headers: { 'user-agent': blocked } })).status).toBe(
        403,
      );
      const res = await fetch(`${url}/`, {
        headers: { 'user-agent': allowed, 'x-esper-decision': 'forged' },
      });
      expect(res.status).toBe(200);
      expect(seen).toEqual([[allowed, 'allow']]);
    } finally {
      await app.close();
    }
  });

  it.runIf(platform === 'fastify')(
    'Nest’s first onRequest hook replaced after useEsper(): still decided, by the backstop hook',
    async () => {
      const { NestFactory } = await import('@nestjs/core');
      const { FastifyAdapter } = await import('@nestjs/platform-fastify');
      const { Module } = await import('@nestjs/common');
      class ReplacedModule {}
      Module({ controllers: [TestController] })(ReplacedModule);
      const app = await NestFactory.create(ReplacedModule, new FastifyAdapter(), { logger: false });
      useEsper(app, { ...KEY, apiBase: runtime.url, env: {} });
      type Hook = (req: unknown, reply: unknown, done: () => void) => void;
      const adapter = app.getHttpAdapter() as unknown as { setOnRequestHook(h: Hook): void };
      adapter.setOnRequestHook((_req, _reply, done) => done());
      await app.listen(0, '127.0.0.1');
      try {
        const id = ua();
        const res = await fetch(`${await app.getUrl()}/admin`, { headers: { 'user-agent': id } });
        expect(res.status).toBe(403);
        expect(asked(id).path).toBe('/admin');
      } finally {
        await app.close();
      }
    },
  );

  it('the platform’s trust setting picks the client IP', async () => {
    const s = await start(platform, {
      express: { 'trust proxy': 'loopback' },
      fastify: { trustProxy: '127.0.0.1' },
    });
    try {
      const id = ua();
      await fetch(s.url, {
        headers: {
          'user-agent': id,
          'x-forwarded-for': '6.6.6.6, 203.0.113.5',
          'x-forwarded-proto': 'https',
        },
      });
      expect(asked(id)).toMatchObject({ client_ip: '203.0.113.5', scheme: 'https' });
    } finally {
      await s.close();
    }
  });

  it('Heroku with a trust setting: the rules walk the router’s first line only', async () => {
    const s = await start(platform, {
      esper: { ...KEY, apiBase: runtime.url, env: { DYNO: 'web.1' }, timeoutMs: 5_000 },
      express: { 'trust proxy': 'loopback' },
      fastify: { trustProxy: '127.0.0.1' },
    });
    try {
      const id = ua();
      // The client sent two lines; the router appended its peer to the first. Walking the
      // joined lines would stop at the client's 6.6.6.2.
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

  it('Heroku without a trust setting: the router’s x-forwarded-proto is believed', async () => {
    const s = await start(platform, {
      esper: { ...KEY, apiBase: runtime.url, env: { DYNO: 'web.1' }, timeoutMs: 5_000 },
    });
    try {
      const id = ua();
      await fetch(s.url, { headers: { 'user-agent': id, 'x-forwarded-proto': 'https' } });
      expect(asked(id)).toMatchObject({ scheme: 'https' });
      const other = ua();
      await fetch(s.url, { headers: { 'user-agent': other, 'x-forwarded-proto': 'ftp' } });
      expect(asked(other)).toMatchObject({ scheme: 'http' });
    } finally {
      await s.close();
    }
  });
});
