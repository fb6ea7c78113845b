import { request as httpRequest } from 'node:http';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FrameworkName, frameworks, KEY, listen, seenBody } from '../test/server.js';
import { type EsperExpressOptions, esper } from './index.js';

let runtime: MockRuntime;
beforeAll(async () => {
  runtime = await startMockRuntime({ keys: [KEY] });
});
afterAll(() => runtime?.close());

/** One request through a real app; returns what the runtime was told and what req.ip said. */
async function through(
  name: FrameworkName,
  options: EsperExpressOptions,
  headers: Record<string, string> | Array<[string, string]>,
  trustProxy?: unknown,
) {
  const express = frameworks[name];
  const mw = esper({ ...KEY, apiBase: runtime.url, timeoutMs: 2000, ...options });
  const app = express();
  if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
  app.use(mw);
  app.use((req, res) => res.json({ ip: req.ip, clientIp: req.esper?.clientIp }));
  const server = await listen(app);
  try {
    const app = JSON.parse(await get(server.url, headers)) as { ip: string; clientIp?: string };
    const sent = seenBody(runtime.requests.at(-1)!);
    return {
      ...app,
      sent: sent.request.client_ip,
      scheme: sent.request.scheme,
      runtime: sent.source.runtime,
      requestId: sent.request_id,
    };
  } finally {
    await server.close();
    await mw.close();
  }
}

/**
 * GET with each pair on its own header line: `fetch` would join repeated names into one line,
 * and separate lines are what a client sends to hide behind the Heroku router.
 */
function get(url: string, headers: Record<string, string> | Array<[string, string]>) {
  const lines: Record<string, string[]> = {};
  for (const [k, v] of Array.isArray(headers) ? headers : Object.entries(headers))
    lines[k] = [...(lines[k] ?? []), v];
  return new Promise<string>((resolve, reject) => {
    const req = httpRequest(url, { headers: lines }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c)).on('end', () => resolve(body));
    });
    req.on('error', reject).end();
  });
}

const SPOOF = {
  'x-forwarded-for': '6.6.6.6, 203.0.113.5',
  'x-forwarded-proto': 'https',
  'x-real-ip': '6.6.6.7',
  'cf-connecting-ip': '6.6.6.8',
  'true-client-ip': '6.6.6.9',
  'x-request-id': 'req-123',
};

describe.each(['express4', 'express5'] as const)('%s client IP', (name) => {
  it('direct (no DYNO, no trust proxy): the socket peer; every forwarding header is ignored', async () => {
    const r = await through(name, { env: {} }, SPOOF);
    expect(r.sent).toBe('127.0.0.1');
    expect(r.clientIp).toBe('127.0.0.1');
    expect(r.scheme).toBe('http');
    expect(r.runtime).toBe('node');
  });

  it('Heroku (DYNO set): the hop the router appended, not what the client put left of it', async () => {
    const r = await through(name, { env: { DYNO: 'web.1' } }, SPOOF);
    expect(r.sent).toBe('203.0.113.5');
    expect(r.scheme).toBe('https');
    expect(r.runtime).toBe('heroku');
    expect(r.requestId).toBe('req-123');
  });

  it("Heroku by option: preset 'heroku' without DYNO", async () => {
    const r = await through(name, { env: {}, clientIp: { preset: 'heroku' } }, SPOOF);
    expect(r.sent).toBe('203.0.113.5');
  });

  it('Heroku with no x-forwarded-for (not through the router): the socket peer', async () => {
    const r = await through(name, { env: { DYNO: 'web.1' } }, { 'x-real-ip': '6.6.6.7' });
    expect(r.sent).toBe('127.0.0.1');
  });

  it('Heroku with ESPER_TRUSTED_PROXIES: own proxies right of the client are skipped', async () => {
    const r = await through(
      name,
      { env: { DYNO: 'web.1', ESPER_TRUSTED_PROXIES: '10.0.0.0/8' } },
      { 'x-forwarded-for': '6.6.6.6, 203.0.113.5, 10.1.2.3' },
    );
    expect(r.sent).toBe('203.0.113.5');
  });

  it("trust proxy set: Express's req.ip, whose rules the user chose", async () => {
    const r = await through(name, { env: {} }, SPOOF, 'loopback');
    expect(r.ip).toBe('203.0.113.5');
    expect(r.sent).toBe('203.0.113.5');
    expect(r.scheme).toBe('https');
  });

  it('trust proxy takes precedence over DYNO (2 hops: a proxy of the user in front of Heroku)', async () => {
    const r = await through(name, { env: { DYNO: 'web.1' } }, SPOOF, 2);
    expect(r.ip).toBe('6.6.6.6');
    expect(r.sent).toBe('6.6.6.6');
  });

  it('trust proxy = false (explicit) is the default: the socket peer', async () => {
    const r = await through(name, { env: {} }, SPOOF, false);
    expect(r.sent).toBe('127.0.0.1');
  });

  // What the Heroku router does with two lines: the peer it saw is appended to the end of the
  // first line only; the second line reaches the app as the client wrote it.
  const HEROKU_TWO_LINES: Array<[string, string]> = [
    ['x-forwarded-for', '6.6.6.6, 203.0.113.5'],
    ['x-forwarded-for', '6.6.6.7'],
    ['x-forwarded-proto', 'https'],
  ];

  it('Heroku, two x-forwarded-for lines: the hop the router appended to the first line', async () => {
    const r = await through(name, { env: { DYNO: 'web.1' } }, HEROKU_TWO_LINES);
    expect(r.sent).toBe('203.0.113.5');
  });

  it('Heroku, two lines, trust proxy set: the first line walked with the app trust rules', async () => {
    const r = await through(name, { env: { DYNO: 'web.1' } }, HEROKU_TWO_LINES, 'loopback');
    expect(r.ip).toBe('6.6.6.7'); // Express itself reads the joined lines
    expect(r.sent).toBe('203.0.113.5');
    expect(r.clientIp).toBe('203.0.113.5');
  });

  it('Heroku, two lines, trust proxy 2 (a proxy of the user in front of the router)', async () => {
    const r = await through(name, { env: { DYNO: 'web.1' } }, HEROKU_TWO_LINES, 2);
    expect(r.sent).toBe('6.6.6.6');
  });

  it('no Heroku, trust proxy set: the lines are one list, as Express reads them', async () => {
    const r = await through(name, { env: {} }, HEROKU_TWO_LINES, 'loopback');
    expect(r.sent).toBe('6.6.6.7');
  });
});
