import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import {
  createServer as createH2Server,
  createSecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  connect as h2connect,
} from 'node:http2';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../../test/helpers/raw-http.js';
import { callFor, KEY, listen } from '../test/server.js';
import { createEsperNode, EsperConfigError, type EsperNodeOptions } from './index.js';

let runtime: MockRuntime;
beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [
      { match: { path: '/blocked' }, answer: { action: 'block', policy_id: 'pol_t' } },
      {
        match: { path: '/vouched' },
        answer: { action: 'allow', upstream_headers: [['x-risk', 'high']] },
      },
    ],
  });
});
afterAll(() => runtime?.close());

const options = (extra: EsperNodeOptions = {}): EsperNodeOptions => ({
  ...KEY,
  apiBase: runtime.url,
  env: {},
  timeoutMs: 2_000,
  ...extra,
});
let seq = 0;
const nextId = () => `t-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

/** A plain node:http server whose listener reports what the app saw. */
async function plainServer(extra?: EsperNodeOptions) {
  const esper = createEsperNode(options(extra));
  const ran: IncomingMessage[] = [];
  const http = createServer(
    esper.handler((req, res) => {
      ran.push(req);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ action: req.esper?.action, seen: req.headers['x-esper-decision'] }));
    }),
  );
  const server = await listen(http);
  return {
    ...server,
    http,
    ran,
    async close() {
      await server.close();
      await esper.close();
    },
  };
}

describe('start-up', () => {
  it.each([
    [{ env: {} }, 'apiKey'],
    [{ ...KEY, env: {}, clientIp: { preset: 'herokuu' } }, 'clientIp.preset'],
    [{ ...KEY, env: { ESPER_TRUSTED_PROXIES: '10.0.0.0/99' } }, 'clientIp.trustedProxies'],
    [{ ...KEY, env: {}, routing: { strict: 'no' } }, 'routing.strict'],
    [null, 'options'],
  ])('bad options fail in createEsperNode(), naming the option (%j)', (bad, option) => {
    let error: unknown;
    try {
      createEsperNode(bad as never);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EsperConfigError);
    expect((error as EsperConfigError).option).toBe(option);
  });
});

describe('node:http', () => {
  it('runs the listener when allowed, with the decision on req.esper and forged headers gone', async () => {
    const app = await plainServer();
    try {
      const id = nextId();
      const res = await fetch(`${app.url}/hello?x=1`, {
        headers: { 'x-test-id': id, 'x-esper-decision': 'forged' },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ action: 'allow', seen: 'allow' });
      const seen = callFor(runtime.requests, id)!;
      expect(seen.source).toMatchObject({ sdk: '@esper/node', runtime: 'node' });
      expect(seen.request).toMatchObject({ scheme: 'http', path: '/hello', query: 'x=1' });
      expect(app.ran[0]!.rawHeaders).not.toContain('forged');
    } finally {
      await app.close();
    }
  });

  it('a header the runtime vouches for replaces the client’s own, in every view of the request', async () => {
    const app = await plainServer();
    try {
      // More forged lines than Esper adds: Node reads `headersDistinct` from `rawHeaders` on
      // first use, as many entries as it parsed (a shorter array made it throw).
      const forged = Object.fromEntries([...'abcdef'].map((c) => [`x-esper-${c}`, 'forged']));
      const res = await fetch(`${app.url}/vouched`, {
        headers: { ...forged, 'x-risk': 'low', 'x-esper-mode': 'monitor' },
      });
      expect(res.status).toBe(200);
      const req = app.ran[0]!;
      expect(req.headers['x-risk']).toBe('high');
      expect(req.headersDistinct['x-risk']).toEqual(['high']);
      expect(req.headersDistinct['x-esper-decision']).toEqual(['allow']);
      expect(Object.keys(req.headersDistinct).filter((k) => k.startsWith('x-esper-a'))).toEqual([]);
      expect(req.rawHeaders).not.toContain('low');
      expect(req.headers['x-esper-mode']).toBe('live');
      expect(req.rawHeaders).not.toContain('monitor');
    } finally {
      await app.close();
    }
  });

  it('answers a block itself: the listener never runs', async () => {
    const app = await plainServer();
    try {
      const res = await fetch(`${app.url}/blocked`);
      expect(res.status).toBe(403);
      expect(app.ran).toHaveLength(0);
    } finally {
      await app.close();
    }
  });

  it('the client IP is the socket peer and the scheme the socket’s, whatever the client sends', async () => {
    const app = await plainServer();
    try {
      const id = nextId();
      await fetch(`${app.url}/ip`, {
        headers: { 'x-test-id': id, 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https' },
      });
      const { request } = callFor(runtime.requests, id)!;
      expect(request.client_ip).toBe('127.0.0.1');
      expect(request.scheme).toBe('http');
    } finally {
      await app.close();
    }
  });

  it('behind a proxy named in clientIp.trustedProxies, reads its x-forwarded-for and -proto', async () => {
    const app = await plainServer({ clientIp: { trustedProxies: ['127.0.0.1'] } });
    try {
      const id = nextId();
      await fetch(`${app.url}/ip`, {
        headers: {
          'x-test-id': id,
          'x-forwarded-for': '6.6.6.6, 203.0.113.9',
          'x-forwarded-proto': 'https',
        },
      });
      const { request } = callFor(runtime.requests, id)!;
      expect(request.client_ip).toBe('203.0.113.9');
      expect(request.scheme).toBe('https');
    } finally {
      await app.close();
    }
  });

  it('refuses targets routers disagree on (400, runtime not asked) and decides absolute-form on its path', async () => {
    const app = await plainServer();
    try {
      for (const [method, target] of [
        ['OPTIONS', '*'],
        ['GET', '/blocked#x'],
        ['GET', '/\\blocked'],
        ['GET', '//blocked'],
      ] as const) {
        const id = nextId();
        const res = await rawRequest(app.url, { method, target, headers: [['x-test-id', id]] });
        expect(res.status, target).toBe(400);
        expect(callFor(runtime.requests, id), target).toBeUndefined();
      }
      const id = nextId();
      const res = await rawRequest(app.url, {
        target: 'http://app.example/blocked',
        headers: [['x-test-id', id]],
      });
      expect(res.status).toBe(403);
      expect(callFor(runtime.requests, id)!.request.path).toBe('/blocked');
      expect(app.ran).toHaveLength(0);
    } finally {
      await app.close();
    }
  });
});

describe('upgrade requests (stated limit)', () => {
  const upgrade: Array<[string, string]> = [
    ['Connection', 'Upgrade'],
    ['Upgrade', 'websocket'],
  ];

  it('without an upgrade listener, Node hands an Upgrade request to the listener: screened', async () => {
    const app = await plainServer();
    try {
      const id = nextId();
      const res = await rawRequest(app.url, {
        target: '/blocked',
        headers: [...upgrade, ['x-test-id', id]],
      });
      expect(res.status).toBe(403);
      expect(callFor(runtime.requests, id)!.request.path).toBe('/blocked');
    } finally {
      await app.close();
    }
  });

  it('with one (a WebSocket server), Node never emits request: Esper is not asked (README)', async () => {
    const app = await plainServer();
    const upgraded: string[] = [];
    app.http.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      upgraded.push(req.url!);
      socket.end(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      );
    });
    try {
      const id = nextId();
      const res = await rawRequest(app.url, {
        target: '/blocked',
        headers: [...upgrade, ['x-test-id', id]],
      });
      expect(res.status).toBe(101);
      expect(upgraded).toEqual(['/blocked']);
      expect(callFor(runtime.requests, id)).toBeUndefined();
      expect(app.ran).toHaveLength(0);
    } finally {
      await app.close();
    }
  });
});

describe('Expect: 100-continue', () => {
  it('a checkContinue listener replaces request: wrapped in esper.handler, it is screened', async () => {
    const app = await plainServer();
    const esper = createEsperNode(options());
    const continued: string[] = [];
    app.http.on(
      'checkContinue',
      esper.handler((req, res) => {
        continued.push(req.url!);
        res.writeContinue();
        res.end('ok');
      }),
    );
    try {
      const id = nextId();
      const res = await rawRequest(app.url, {
        method: 'POST',
        target: '/blocked',
        headers: [
          ['Expect', '100-continue'],
          ['x-test-id', id],
        ],
      });
      expect(res.status).toBe(403);
      expect(callFor(runtime.requests, id)!.request.path).toBe('/blocked');
      const open = await rawRequest(app.url, {
        method: 'POST',
        target: '/open',
        headers: [['Expect', '100-continue']],
      });
      expect(open.raw).toMatch(
        /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/,
      );
      // Node called the checkContinue listener, never the request listener.
      expect(continued).toEqual(['/open']);
      expect(app.ran).toHaveLength(0);
    } finally {
      await app.close();
      await esper.close();
    }
  });
});

describe('https and http2', () => {
  let dir: string;
  let tls: { key: Buffer; cert: Buffer };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esper-node-tls-'));
    await promisify(execFile)('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
      ...['-nodes', '-days', '1', '-subj', '/CN=localhost'],
      ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    ]);
    tls = {
      key: await readFile(join(dir, 'key.pem')),
      cert: await readFile(join(dir, 'cert.pem')),
    };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('an https server’s requests are decided as https (socket.encrypted)', async () => {
    const esper = createEsperNode(options());
    const server = createHttpsServer(
      tls,
      esper.handler((_req, res) => res.end('ok')),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const id = nextId();
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: (server.address() as AddressInfo).port,
            path: '/tls',
            rejectUnauthorized: false,
            headers: { 'x-test-id': id },
          },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c)).on('end', () => resolve(text));
          },
        );
        req.on('error', reject).end();
      });
      expect(body).toBe('ok');
      expect(callFor(runtime.requests, id)!.request.scheme).toBe('https');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await esper.close();
    }
  });

  it('an http2 TLS server (allowHTTP1) decides HTTP/1.1 clients as https too', async () => {
    const esper = createEsperNode(options());
    const server = createSecureServer(
      { ...tls, allowHTTP1: true },
      // With options first, TypeScript cannot infer http2's types from the context: say them.
      esper.handler((_req: Http2ServerRequest, res: Http2ServerResponse) => res.end('ok')),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const id = nextId();
    try {
      const status = await new Promise<number>((resolve, reject) => {
        httpsRequest(
          {
            host: '127.0.0.1',
            port: (server.address() as AddressInfo).port,
            path: '/h2-tls',
            rejectUnauthorized: false,
            headers: { 'x-test-id': id },
          },
          (res) => resolve(res.resume().statusCode ?? 0),
        )
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
      expect(callFor(runtime.requests, id)!.request.scheme).toBe('https');
    } finally {
      await new Promise((r) => server.close(r));
      await esper.close();
    }
  });

  it('http2’s compatibility API: decided with its :authority, blocked and refused like HTTP/1', async () => {
    const esper = createEsperNode(options());
    const server = createH2Server(esper.handler((_req, res) => res.end('ok')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const session = h2connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const get = (path: string, method = 'GET', id = nextId()) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': path, ':method': method, 'x-test-id': id });
        let status = 0;
        let body = '';
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.on('data', (c) => (body += c));
        stream.on('end', () => resolve({ status, body })).on('error', reject);
        stream.end();
      });
    try {
      const id = nextId();
      expect(await get('/h2', 'GET', id)).toEqual({ status: 200, body: 'ok' });
      expect(callFor(runtime.requests, id)!.request.host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect((await get('/blocked')).status).toBe(403);
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        expect(await get('*', 'OPTIONS')).toEqual({ status: 400, body: 'Bad Request' });
        await new Promise((r) => setImmediate(r));
      } finally {
        process.off('warning', onWarning);
      }
      // HTTP/2 has no Connection header: Node would warn about (and drop) one.
      expect(warnings.map((w) => w.message)).toEqual([]);
    } finally {
      session.close();
      await new Promise((r) => server.close(r));
      await esper.close();
    }
  });
});
