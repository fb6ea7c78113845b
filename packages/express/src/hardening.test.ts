// Issue 11 in Express: requests that once reached the app undecided, or decided on a path
// other than the one Express routes, against real Express 4 and 5 servers and the mock runtime.
import { request as httpRequest } from 'node:http';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { frameworks, KEY, type Listening, listen, seenBody } from '../test/server.js';
import { esper } from './index.js';

/** The path goes out as written: a URL string would be resolved (`..`) by the client first. */
function send(url: string, path: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject).end();
  });
}

describe.each(['express4', 'express5'] as const)('%s', (name) => {
  const express = frameworks[name];
  let runtime: MockRuntime;
  let server: Listening;
  let mw: ReturnType<typeof esper>;

  beforeAll(async () => {
    runtime = await startMockRuntime({
      keys: [KEY],
      answers: [{ match: { path: '/admin' }, answer: { action: 'block' } }],
    });
    mw = esper({
      ...KEY,
      apiBase: runtime.url,
      env: {},
      timeoutMs: 2000,
      failClosedRoutes: ['/checkout/**'],
    });
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(mw);
    for (const route of ['/admin', '/checkout/pay', '/public']) {
      app.get(route, (req, res) => {
        res.json({ handler: route, decision: req.get('x-esper-decision') ?? null });
      });
    }
    server = await listen(app);
  });
  afterEach(() => runtime.reset());
  afterAll(async () => {
    await server?.close();
    await mw?.close();
    await runtime?.close();
  });

  it.each(['/ADMIN', '/Admin/', '/admin/'])(
    '%s meets the rule the runtime has for /admin (Express routes it to /admin)',
    async (path) => {
      const res = await send(server.url, path);
      expect(res.status).toBe(403);
      expect(seenBody(runtime.requests[0]!).request.path).toBe('/admin');
    },
  );

  it.each(['/checkout/../admin', '/public/%2e%2e', '/admin/.'])(
    '%s has a dot segment: refused with 400, the app never runs',
    async (path) => {
      const res = await send(server.url, path);
      expect(res.status).toBe(400);
      expect(res.body).not.toContain('handler');
      expect(runtime.requests).toHaveLength(0);
    },
  );

  it.each(['app.example:99999', '1.2.3.999', '[::g]'])(
    'a Host the URL parser refuses (%s) is still decided, never passed on undecided',
    async (host) => {
      const res = await send(server.url, '/admin', { host, 'x-esper-decision': 'allow' });
      expect(res.status).toBe(403);
      expect(runtime.requests).toHaveLength(1);
      const open = await send(server.url, '/public', { host, 'x-esper-decision': 'forged' });
      expect(JSON.parse(open.body)).toEqual({ handler: '/public', decision: 'allow' });
    },
  );

  it('a malformed X-Forwarded-Proto under trust proxy is still decided', async () => {
    for (const proto of ['javascript', 'ht tp', '']) {
      const res = await send(server.url, '/admin', { 'x-forwarded-proto': proto });
      expect(res.status, proto).toBe(403);
    }
    expect(seenBody(runtime.requests[0]!).request.scheme).toBe('http');
  });
});
