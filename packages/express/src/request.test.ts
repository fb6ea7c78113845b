import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameworks, KEY, type Listening, listen, seenBody } from '../test/server.js';
import { esper } from './index.js';

/** Raw HTTP, for what fetch refuses to send (a Host header, TRACE). */
function raw(url: string, method: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject).end();
  });
}

/** A hand-written request line (absolute- or asterisk-form), which no HTTP client sends. */
function rawLine(url: string, requestLine: string) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    let data = '';
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `${requestLine}\r\nHost: ${hostname}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body });
    });
  });
}

describe.each(['express4', 'express5'] as const)('%s request conversion', (name) => {
  const express = frameworks[name];
  let runtime: MockRuntime;
  let server: Listening;
  let mw: ReturnType<typeof esper>;

  beforeAll(async () => {
    runtime = await startMockRuntime({
      keys: [KEY],
      answers: [
        { match: { method: 'TRACE' }, answer: { action: 'block' } },
        { match: { path: '/login' }, answer: { action: 'block' } },
        {
          match: { path: '/upstream' },
          answer: { action: 'allow', upstream_headers: [['x-risk', 'low']] },
        },
      ],
    });
    mw = esper({ ...KEY, apiBase: runtime.url, env: {}, timeoutMs: 2000 });
    const app = express();
    app.use(mw);
    app.use(express.json());
    const router = express.Router();
    router.post('/echo', (req, res) => {
      res.json({ body: req.body, decision: req.esper?.action, url: req.originalUrl });
    });
    app.use('/mount', router);
    app.use((req, res) => {
      const rawEsper = req.rawHeaders.filter(
        (_, i) => i % 2 === 0 && /^x-esper-/i.test(req.rawHeaders[i]!),
      );
      res.json({
        headers: req.headers,
        rawEsper,
        rawDecision: req.rawHeaders[req.rawHeaders.indexOf('x-esper-decision') + 1],
      });
    });
    server = await listen(app);
  });
  afterAll(async () => {
    await server?.close();
    await mw?.close();
    await runtime?.close();
  });

  it('leaves the body to the app: express.json() after esper still parses a POST', async () => {
    const payload = { email: 'user@example.com', items: Array.from({ length: 2000 }, (_, i) => i) };
    const res = await fetch(`${server.url}/mount/echo?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ body: payload, decision: 'allow', url: '/mount/echo?x=1' });
    // The mount path is part of what the runtime sees; the body never is.
    const call = runtime.requests.at(-1)!;
    expect(seenBody(call).request).toMatchObject({
      method: 'POST',
      path: '/mount/echo',
      query: 'x=1',
    });
    expect(call.rawBody).not.toContain('user@example.com');
  });

  it('a client-sent x-esper-* header is gone from req.headers and req.rawHeaders', async () => {
    const res = await fetch(`${server.url}/upstream`, {
      headers: { 'x-esper-decision': 'spoofed', 'X-Esper-Mode': 'spoofed', 'x-esper-other': '1' },
    });
    const body = (await res.json()) as Record<string, unknown> & {
      headers: Record<string, string>;
    };
    expect(body.headers['x-esper-decision']).toBe('allow');
    expect(body.headers['x-esper-mode']).toBe('live');
    expect(body.headers['x-esper-decision-id']).toMatch(/^dec_/);
    expect(body.headers['x-esper-other']).toBeUndefined();
    expect(body.headers['x-risk']).toBe('low');
    expect((body.rawEsper as string[]).sort()).toEqual([
      'x-esper-decision',
      'x-esper-decision-id',
      'x-esper-mode',
    ]);
    expect(body.rawDecision).toBe('allow');
  });

  it('a Host header cannot move the path core matches routes against', async () => {
    // Parsed naively, this Host would make the path `/x.css`: a static asset, never checked.
    const res = await raw(server.url, 'GET', '/admin', { host: 'evil.example/x.css?' });
    expect(res.status).toBe(200);
    const seen = seenBody(runtime.requests.at(-1)!).request;
    expect(seen).toMatchObject({ host: 'localhost', path: '/admin' });
    expect(seen.headers.host).toBe('evil.example/x.css?');
  });

  it('methods undici refuses (TRACE) are still decided, and blocked', async () => {
    const res = await raw(server.url, 'TRACE', '/anything', {});
    expect(res.status).toBe(403);
    expect(seenBody(runtime.requests.at(-1)!).request.method).toBe('TRACE');
  });

  it('an absolute-form request target is decided on the path Express routes (/login)', async () => {
    runtime.reset();
    const res = await rawLine(server.url, 'POST http://x/login?next=%2F HTTP/1.1');
    const seen = seenBody(runtime.requests.at(-1)!).request;
    expect(seen).toMatchObject({ method: 'POST', path: '/login', query: 'next=%2F' });
    // The runtime's rule for /login applies, as it would for `POST /login`.
    expect(res.status).toBe(403);
  });

  it('an absolute-form target Express routes but WHATWG URL rejects is still decided on its path', async () => {
    runtime.reset();
    const res = await rawLine(server.url, 'POST http://x:99999/login HTTP/1.1');
    expect(seenBody(runtime.requests.at(-1)!).request.path).toBe('/login');
    expect(res.status).toBe(403);
  });

  it('a target with no path Express routes on (OPTIONS *) is refused with 400, undecided', async () => {
    runtime.reset();
    const res = await rawLine(server.url, 'OPTIONS * HTTP/1.1');
    expect(res.status).toBe(400);
    expect(runtime.requests).toHaveLength(0);
  });
});
