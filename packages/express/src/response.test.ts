import { request as httpRequest } from 'node:http';
import { blockResponse } from '@esper/core';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameworks, KEY, type Listening, listen } from '../test/server.js';
import { esper } from './index.js';

const TWO_COOKIES: Array<[string, string]> = [
  ['set-cookie', 'rt_a=1; Path=/; HttpOnly'],
  ['set-cookie', 'rt_b=2; Path=/; HttpOnly'],
];

describe.each(['express4', 'express5'] as const)('%s response writing', (name) => {
  const express = frameworks[name];
  let runtime: MockRuntime;
  let server: Listening;
  let mw: ReturnType<typeof esper>;
  let appCalls = 0;

  beforeAll(async () => {
    runtime = await startMockRuntime({
      keys: [KEY],
      answers: [
        { match: { path: '/block' }, answer: { action: 'block', response_headers: TWO_COOKIES } },
        { match: { path: '/allow' }, answer: { action: 'allow', response_headers: TWO_COOKIES } },
        { match: { path: /^\/custom/ }, answer: { action: 'block' } },
      ],
    });
    mw = esper({
      ...KEY,
      apiBase: runtime.url,
      env: {},
      timeoutMs: 2000,
      responses: {
        block: (decision, request) => {
          const path = new URL(request.url).pathname;
          if (!path.startsWith('/custom')) return blockResponse(decision, request);
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (path === '/custom/broken') controller.error(new Error('template crashed'));
              else {
                controller.enqueue(new TextEncoder().encode(`custom ${decision.action}`));
                controller.close();
              }
            },
          });
          return new Response(body, { status: 429, headers: { 'x-custom': 'yes' } });
        },
      },
    });
    const app = express();
    app.use(mw);
    app.use((_req, res) => {
      appCalls++;
      res.cookie('app', '1');
      res.send('app');
    });
    // An error here would mean the middleware called next(err).
    app.use(
      (
        _err: unknown,
        _req: unknown,
        res: { status(n: number): { send(s: string): void } },
        _next: unknown,
      ) => {
        res.status(599).send('error handler');
      },
    );
    server = await listen(app);
  });
  afterAll(async () => {
    await server?.close();
    await mw?.close();
    await runtime?.close();
  });

  it('an enforced block carries both runtime Set-Cookies, and the app never runs', async () => {
    const before = appCalls;
    const res = await fetch(`${server.url}/block`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([
      'rt_a=1; Path=/; HttpOnly',
      'rt_b=2; Path=/; HttpOnly',
    ]);
    expect(res.headers.get('x-esper-decision')).toBe('block');
    expect(await res.json()).toMatchObject({ error: 'blocked' });
    expect(appCalls).toBe(before);
  });

  it("on allow, the runtime's two Set-Cookies sit beside the app's own", async () => {
    const res = await fetch(`${server.url}/allow`);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([
      'rt_a=1; Path=/; HttpOnly',
      'rt_b=2; Path=/; HttpOnly',
      'app=1; Path=/',
    ]);
  });

  it('a HEAD that is blocked gets the status and headers, no body', async () => {
    const res = await new Promise<{ status: number; length: number; cookies?: string[] }>(
      (resolve) => {
        httpRequest(`${server.url}/block`, { method: 'HEAD' }, (r) => {
          let length = 0;
          r.on('data', (c: Buffer) => (length += c.length));
          r.on('end', () =>
            resolve({ status: r.statusCode!, length, cookies: r.headers['set-cookie'] }),
          );
        }).end();
      },
    );
    expect(res).toEqual({
      status: 403,
      length: 0,
      cookies: ['rt_a=1; Path=/; HttpOnly', 'rt_b=2; Path=/; HttpOnly'],
    });
  });

  it('a custom streamed response is written as is', async () => {
    const res = await fetch(`${server.url}/custom/ok`);
    expect(res.status).toBe(429);
    expect(res.headers.get('x-custom')).toBe('yes');
    expect(await res.text()).toBe('custom block');
  });

  it('a custom response whose body fails still blocks (403), without next(err)', async () => {
    const before = appCalls;
    const res = await fetch(`${server.url}/custom/broken`);
    expect(res.status).toBe(403);
    expect(appCalls).toBe(before);
  });
});
