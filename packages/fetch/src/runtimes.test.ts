/**
 * `withEsper` in the real Bun and Deno: what a handler does with the platform still works
 * behind it, and a client cannot move the path it is decided on.
 */

import { connect } from 'node:net';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  bundleFetchApp,
  type RuntimeProcess,
  startInRuntime,
} from '../../../test/conformance/targets/fetch.js';
import { rawRequest } from '../../../test/helpers/raw-http.js';

const KEY = { apiKey: 'fetch_runtimes_key', secret: 'fetch_runtimes_secret_0123456789' };
let runtime: MockRuntime;
let code: string;
beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [{ match: { path: '/admin' }, answer: { action: 'block' } }],
  });
  code = await bundleFetchApp(new URL('./test-support/runtime-app.ts', import.meta.url));
}, 60_000);
afterAll(() => runtime?.close());

/** An HTTP/1.0 request with no Host header (rawRequest always sends one): the status line and body. */
function withoutHost(origin: string, target: string): Promise<string> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    let out = '';
    const socket = connect(Number(port), hostname, () =>
      socket.write(`GET ${target} HTTP/1.0\r\n\r\n`),
    );
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')));
    socket.on('data', (d) => {
      out += d;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
  });
}

for (const name of ['bun', 'deno'] as const) {
  describe(name, () => {
    let app: RuntimeProcess;
    beforeAll(async () => {
      app = await startInRuntime(name, code, {
        ESPER_API_KEY: KEY.apiKey,
        ESPER_API_SECRET: KEY.secret,
        ESPER_API_BASE: runtime.url,
        ESPER_TIMEOUT_MS: '10000',
      });
    }, 60_000);
    afterAll(() => app?.stop());

    it('the handler reads the socket peer the platform’s way, from the request it was given', async () => {
      const res = await fetch(`${app.origin}/ip`, { headers: { 'x-forwarded-for': '6.6.6.6' } });
      expect(await res.json()).toEqual({ ip: '127.0.0.1', decision: 'allow' });
      const sent = runtime.requests.at(-1)!.body as { request: { client_ip?: string } };
      expect(sent.request.client_ip).toBe('127.0.0.1');
    });

    it('a WebSocket upgrade works behind the wrapper, after a decision', async () => {
      const before = runtime.requests.length;
      const socket = new WebSocket(`${app.origin.replace('http', 'ws')}/ws`);
      const message = await new Promise<string>((resolve, reject) => {
        socket.once('message', (m) => resolve(String(m)));
        socket.once('error', reject);
        setTimeout(() => reject(new Error('no message in 5 s')), 5_000);
      });
      socket.close();
      expect(message).toBe('hello');
      expect(runtime.requests.length).toBe(before + 1);
    });

    it('dot segments are decided as the handler routes them', async () => {
      const res = await rawRequest(app.origin, { target: '/x/../admin' });
      expect(res.status).toBe(403);
      expect(res.body).not.toContain('admin ran');
    });

    // Deno writes `http://a#/admin` for this request: Hono's getPath would read `/admin` while
    // the URL parser reads `/`. Bun refuses to make a URL of it.
    it.each(['a#', 'a?', 'a@b', '1.2.3.999'])('Host %s cannot move the path: 400', async (host) => {
      const res = await rawRequest(app.origin, { target: '/admin', headers: [['Host', host]] });
      expect(res.body).not.toContain('admin ran');
      expect(res.status).toBe(400);
    });

    // Bun makes a relative `request.url` (`/admin`) of a request without Host, which names no
    // URL: 400. Deno puts its own address in: decided like any other.
    it('a request without Host (HTTP/1.0) never runs the handler undecided', async () => {
      const before = runtime.requests.length;
      const out = await withoutHost(app.origin, '/admin');
      expect(out).not.toContain('admin ran');
      if (name === 'bun') {
        expect(out).toMatch(/^HTTP\/1\.[01] 400 /);
        expect(runtime.requests.length).toBe(before);
      } else {
        expect(out).toMatch(/^HTTP\/1\.[01] 403 /);
        expect(runtime.requests.length).toBe(before + 1);
      }
    });
  });
}
