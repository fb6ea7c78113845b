import { createServer } from 'node:http';
import { createServer as createH2Server, connect as h2connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import Router from '@koa/router';
import Koa from 'koa';
import polka from 'polka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callFor, KEY, listen } from '../test/server.js';
import { createEsperNode, type EsperKoaState, type EsperNodeInstance } from './index.js';

let runtime: MockRuntime;
let esper: EsperNodeInstance;
beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [
      { match: { path: /^(\/sub)?\/blocked$/ }, answer: { action: 'block', policy_id: 'pol_t' } },
    ],
  });
  esper = createEsperNode({ ...KEY, apiBase: runtime.url, env: {}, timeoutMs: 2_000 });
});
afterAll(async () => {
  await esper?.close();
  await runtime?.close();
});
const id = () => `f-${Math.random().toString(36).slice(2, 10)}`;

describe('Koa 3 with @koa/router', () => {
  async function koaApp() {
    const app = new Koa<EsperKoaState>();
    const ran: string[] = [];
    app.use(esper.koa);
    const router = new Router<EsperKoaState>();
    router.get('/hello', (ctx) => {
      ran.push(ctx.path);
      ctx.body = { action: ctx.state.esper?.action, seen: ctx.get('x-esper-decision') };
    });
    router.get('/blocked', (ctx) => {
      ran.push(ctx.path);
      ctx.body = 'served';
    });
    app.use(router.routes());
    return { app, server: await listen(createServer(app.callback())), ran };
  }

  it('puts the decision in ctx.state.esper and the app sees it', async () => {
    const { server } = await koaApp();
    try {
      const res = await fetch(`${server.url}/hello`, { headers: { 'x-esper-decision': 'forged' } });
      expect(await res.json()).toEqual({ action: 'allow', seen: 'allow' });
    } finally {
      await server.close();
    }
  });

  it('answers a block with Esper’s response: ctx.respond = false, no route runs, no 404', async () => {
    const { server, ran } = await koaApp();
    try {
      const res = await fetch(`${server.url}/blocked`);
      expect(res.status).toBe(403);
      expect(await res.text()).not.toBe('Not Found');
      expect(ran).toEqual([]);
    } finally {
      await server.close();
    }
  });
  it('over HTTP/2, a :path Koa trims (a trailing U+00A0) is refused, not decided as another path', async () => {
    const { app, server, ran } = await koaApp();
    await server.close();
    const h2 = createH2Server(app.callback());
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    const session = h2connect(`http://127.0.0.1:${(h2.address() as AddressInfo).port}`);
    try {
      // HTTP/1's parser refuses such a target; nghttp2 passes it on, and parseurl (Koa,
      // connect) trims it: Koa serves /blocked.
      for (const path of ['/blocked\u00a0', '/blocked\u00a0?x=1', '/hello\u00a0']) {
        const t = id();
        const status = await new Promise<number>((resolve, reject) => {
          const stream = session.request({ ':path': path, 'x-test-id': t });
          stream.on('response', (h) => resolve(Number(h[':status'])));
          stream.on('error', reject).resume().end();
        });
        expect(status, JSON.stringify(path)).toBe(400);
        expect(callFor(runtime.requests, t), JSON.stringify(path)).toBeUndefined();
      }
      expect(ran).toEqual([]);
    } finally {
      session.close();
      await new Promise((r) => h2.close(r));
    }
  });
});

describe('Polka (connect-style middleware)', () => {
  it('allows, blocks, and decides a mounted sub-app on the full path', async () => {
    const sub = polka().get('/blocked', (_req, res) => {
      res.end('sub served');
    });
    const app = polka()
      .use(esper.middleware)
      .get('/hello', (req, res) => {
        res.end(`${req.esper?.action} ${req.headers['x-esper-decision']}`);
      })
      .use('/sub', sub);
    const server = await listen(createServer(app.handler as never));
    try {
      expect(await (await fetch(`${server.url}/hello`)).text()).toBe('allow allow');
      expect((await fetch(`${server.url}/blocked`)).status).toBe(403);
      const t = id();
      expect(
        (await fetch(`${server.url}/sub/blocked`, { headers: { 'x-test-id': t } })).status,
      ).toBe(403);
      expect(callFor(runtime.requests, t)!.request.path).toBe('/sub/blocked');
    } finally {
      await server.close();
    }
  });

  it('inside a mounted sub-app, decides on originalUrl, not the rewritten req.url', async () => {
    const sub = polka()
      .use(esper.middleware)
      .get('/blocked', (_req, res) => {
        res.end('sub served');
      });
    const app = polka().use('/sub', sub);
    const server = await listen(createServer(app.handler as never));
    try {
      const t = id();
      const res = await fetch(`${server.url}/sub/blocked`, { headers: { 'x-test-id': t } });
      expect(res.status).toBe(403);
      expect(callFor(runtime.requests, t)!.request.path).toBe('/sub/blocked');
    } finally {
      await server.close();
    }
  });
});
