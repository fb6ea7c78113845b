import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import type { Request as ExpressRequest } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameworks, KEY, listen, seenBody } from '../test/server.js';
import { EsperConfigError, esper } from './index.js';
import { VERSION } from './middleware.js';

const run = promisify(execFile);
const pkgDir = new URL('..', import.meta.url).pathname;

let runtime: MockRuntime;
beforeAll(async () => {
  runtime = await startMockRuntime({ keys: [KEY] });
});
afterAll(() => runtime?.close());

describe('start-up', () => {
  it.each([
    [{ env: {} }, 'apiKey'],
    [{ env: { ESPER_API_KEY: 'k' } }, 'secret'],
    [{ ...KEY, env: { ESPER_TIMEOUT_MS: 'soon' } }, 'timeoutMs'],
    [{ ...KEY, env: {}, clientIp: { preset: 'herokuu' } }, 'clientIp.preset'],
    [{ ...KEY, env: { ESPER_TRUSTED_PROXIES: '10.0.0.0/99' } }, 'clientIp.trustedProxies'],
    [{ ...KEY, env: {}, apiBase: 'http://esper.example' }, 'apiBase'],
    [{ ...KEY, env: {}, trustProxy: true }, 'trustProxy'],
    [null, 'options'],
  ])('bad options fail in esper(), naming the option (%j)', (options, option) => {
    let error: unknown;
    try {
      esper(options as never);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EsperConfigError);
    expect((error as EsperConfigError).option).toBe(option);
    expect((error as Error).message).toContain(`"${option}"`);
  });

  it('reads the Heroku config vars (ESPER_*) and reports itself as @esper/express', async () => {
    const mw = esper({
      env: { ESPER_API_KEY: KEY.apiKey, ESPER_API_SECRET: KEY.secret, ESPER_API_BASE: runtime.url },
    });
    const server = await listen((req, res) => mw(req, res, () => res.end('ok')));
    try {
      expect(await (await fetch(server.url)).text()).toBe('ok');
      const call = runtime.requests.at(-1)!;
      expect(seenBody(call).source).toEqual({
        sdk: '@esper/express',
        version: VERSION,
        runtime: 'node',
      });
      expect(call.headers['x-esper-sdk']).toBe(`@esper/express/${VERSION} (node)`);
    } finally {
      await server.close();
      await mw.close();
    }
  });

  it('VERSION is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });

  it('importing the package and calling esper() does not block on undici', async () => {
    // CJS, so require.cache shows what was loaded synchronously.
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        `const { esper } = require('@esper/express');
       esper({ apiKey: 'k', secret: 's', env: {} });
       // Node 24 registers a module in require.cache before running it; only a loaded one counts.
       console.log(Object.entries(require.cache).some(([f, m]) => f.includes('/undici/') && m.loaded));`,
      ],
      { cwd: pkgDir },
    );
    expect(stdout.trim()).toBe('false');
  });
});

describe.each(['express4', 'express5'] as const)('%s middleware', (name) => {
  const express = frameworks[name];

  async function app(options: Parameters<typeof esper>[0]) {
    const mw = esper({ ...KEY, env: {}, ...options });
    const app = express();
    let errors = 0;
    app.use(mw);
    app.use((req: ExpressRequest, res) => {
      // Typed by the package's augmentation of Express.Request.
      const decision = req.esper;
      res.json({ action: decision?.action ?? null, source: decision?.source ?? null });
    });
    app.use(
      (
        _err: unknown,
        _req: unknown,
        res: { status(n: number): { end(): void } },
        _next: unknown,
      ) => {
        errors++;
        res.status(500).end();
      },
    );
    const server = await listen(app);
    return {
      url: server.url,
      errors: () => errors,
      close: async () => {
        await server.close();
        await mw.close();
      },
    };
  }

  it('runtime unreachable: fails open, on to the app, never next(err)', async () => {
    const dead = await listen(() => {});
    await dead.close();
    const a = await app({ apiBase: dead.url });
    try {
      const res = await fetch(a.url);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ action: 'allow', source: 'fallback' });
      expect(a.errors()).toBe(0);
    } finally {
      await a.close();
    }
  });

  it("runtime unreachable with failMode 'closed': 403, the app never runs", async () => {
    const dead = await listen(() => {});
    await dead.close();
    const a = await app({ apiBase: dead.url, failMode: 'closed' });
    try {
      const res = await fetch(a.url, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(403);
      expect(a.errors()).toBe(0);
    } finally {
      await a.close();
    }
  });

  it('keeps one connection to the runtime alive across requests; close() releases it', async () => {
    const local = await startMockRuntime({ keys: [KEY] });
    const a = await app({ apiBase: local.url, timeoutMs: 2000 });
    try {
      for (let i = 0; i < 5; i++) {
        expect(await (await fetch(a.url)).json()).toEqual({ action: 'allow', source: 'remote' });
      }
      expect(local.requests).toHaveLength(5);
      expect(local.openConnections()).toBe(1);
      await a.close();
      await expect.poll(() => local.openConnections()).toBe(0);
    } finally {
      await a.close();
      await local.close();
    }
  });
});

describe('a request that cannot even be built', () => {
  // A request object whose headers cannot be read: nothing can be decided, as when the
  // adapter itself fails before protect(). It must be treated as a fallback would.
  function undecidable(path: string) {
    const headers: Record<string, string> = { 'x-esper-decision': 'allow' };
    let reads = 0;
    const req = {
      method: 'GET',
      url: path,
      originalUrl: path,
      rawHeaders: ['x-esper-decision', 'allow'],
      socket: {},
      get headers() {
        // The first read (building the Web request) fails; later ones (stripping) work.
        if (reads++ === 0) throw new Error('unreadable headers');
        return headers;
      },
    };
    // Core's Node response (`NodeResponseLike`): the status is set, then the body ended.
    const res = {
      headersSent: false,
      statusCode: 0,
      setHeader() {},
      appendHeader() {},
      end() {
        return this;
      },
      destroy() {},
    };
    return { req, res, headers };
  }
  const run = (mw: ReturnType<typeof esper>, path: string) =>
    new Promise<{ next: boolean; status: number; headers: Record<string, string> }>((resolve) => {
      const { req, res, headers } = undecidable(path);
      mw(req as never, res as never, () =>
        resolve({ next: true, status: res.statusCode, headers }),
      );
      setTimeout(() => resolve({ next: false, status: res.statusCode, headers }), 200);
    });

  it('fails closed on a fail-closed route, and open elsewhere without the client x-esper-*', async () => {
    const mw = esper({ apiKey: 'k', secret: 's', env: {}, failClosedRoutes: ['/checkout/**'] });
    expect(await run(mw, '/checkout/pay')).toMatchObject({ next: false, status: 403 });
    const open = await run(mw, '/browse');
    expect(open.next).toBe(true);
    expect(open.headers['x-esper-decision']).toBeUndefined();
    await mw.close();
  });
});
