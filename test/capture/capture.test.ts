/**
 * `esper capture run` with real servers on loopback: an origin serving the policies, an
 * application that cannot be changed, and the capture in front of it, in monitor mode and with
 * --enforce. Bodies must stream both ways (the far end sees the first chunk before the near end
 * sent the last), Set-Cookie lines stay apart, WebSockets pass, forwarding headers are the
 * proxy's own, and a dead or slow application gets 502/504 with the decision still recorded.
 */
import { request as httpRequest } from 'node:http';
import type { RuntimeServer, TenantResults } from '@esper/runtime';
import { parseCaptureArgs, runCapture } from '@esper/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../helpers/node-process.mjs';
import { rawRequest } from '../helpers/raw-http.js';
import {
  capture,
  collectingIo,
  deferred,
  KEY,
  startOrigin,
  startUpstream,
  type Upstream,
} from './support.js';

let origin: RuntimeServer;
let upstream: Upstream;
let monitor: Awaited<ReturnType<typeof capture>>;
let enforce: Awaited<ReturnType<typeof capture>>;
const monitorLines = collectingIo();

beforeAll(async () => {
  origin = await startOrigin();
  upstream = await startUpstream();
  monitor = await capture(origin, upstream.url, [], monitorLines);
  enforce = await capture(origin, upstream.url, ['--enforce']);
});

afterAll(async () => {
  await Promise.all([monitor?.close(100), enforce?.close(100)]);
  await upstream?.close();
  await origin?.close();
});

async function results(): Promise<TenantResults> {
  const res = await fetch(`${origin.url}/tenants/quickstart/results`, {
    headers: { authorization: `Bearer ${origin.adminToken}` },
  });
  return (await res.json()) as TenantResults;
}

function webSocketOf(url: string, path: string) {
  const ws = new WebSocket(`${url.replace('http:', 'ws:')}${path}`);
  // Queued from the start: the application greets before the test asks for a message.
  const messages: string[] = [];
  const waiting: Array<(m: string) => void> = [];
  ws.on('message', (data) => {
    const waiter = waiting.shift();
    if (waiter) waiter(data.toString());
    else messages.push(data.toString());
  });
  const next = () =>
    new Promise<string>((resolve) => {
      if (messages.length > 0) resolve(messages.shift()!);
      else waiting.push(resolve);
    });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      reject(new Error(`status ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
  return { ws, opened, next };
}

describe('monitor mode (no --enforce)', () => {
  it('passes a request policies would block, telling the application what was decided', async () => {
    const res = await fetch(`${monitor.url}/page?foo=bar`);
    expect(res.status).toBe(200);
    const echoed = (await res.json()) as { headers: Record<string, string> };
    expect(echoed.headers['x-esper-decision']).toBe('block');
    expect(echoed.headers['x-esper-mode']).toBe('monitor');
    const line = monitorLines.stdout.find((l) => l.includes('"path":"/page"'));
    expect(JSON.parse(line!)).toMatchObject({
      decision: 'block',
      enforced: false,
      mode: 'monitor',
    });
    expect(monitor.recorder.totals.monitor).toBeGreaterThanOrEqual(1);
  });

  it('passes a WebSocket handshake policies would block', async () => {
    const { ws, opened, next } = webSocketOf(monitor.url, '/ws?foo=bar');
    await opened;
    expect(await next()).toBe('hello block');
    ws.close();
  });
});

describe('with --enforce', () => {
  it('blocks what a policy blocks, before the application sees it', async () => {
    const before = upstream.seen.length;
    const res = await fetch(`${enforce.url}/page?foo=bar`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-esper-decision')).toBe('block');
    expect(upstream.seen.length).toBe(before);
  });

  it('applies a challenge (blocked: a local challenge has no page)', async () => {
    const res = await fetch(`${enforce.url}/members`, { redirect: 'manual' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-esper-decision')).toBe('challenge');
  });

  it('allows the rest, with the decision and the proxy’s forwarding headers', async () => {
    const res = await rawRequest(enforce.url, {
      target: '/hello?x=1',
      headers: [
        ['Host', 'shop.example:8443'],
        ['X-Esper-Decision', 'allow'],
        ['x-esper-anything', 'spoofed'],
        ['X-Forwarded-For', '203.0.113.9'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Host', 'evil.example'],
        ['Forwarded', 'for=203.0.113.9'],
        ['Connection', 'x-hop-secret'],
        ['X-Hop-Secret', 'for the proxy only'],
        ['Keep-Alive', 'timeout=5'],
        ['TE', 'trailers'],
      ],
    });
    expect(res.status).toBe(200);
    const { url, headers } = JSON.parse(res.body) as {
      url: string;
      headers: Record<string, string>;
    };
    expect(url).toBe('/hello?x=1');
    expect(headers['x-esper-decision']).toBe('allow');
    expect(headers['x-esper-mode']).toBe('live');
    expect(headers['x-esper-anything']).toBeUndefined();
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe('shop.example:8443');
    expect(headers.forwarded).toBeUndefined();
    // Hop-by-hop: the standard ones and what Connection named stay with the proxy.
    expect(headers['x-hop-secret']).toBeUndefined();
    expect(headers['keep-alive']).toBeUndefined();
    expect(headers.te).toBeUndefined();
    expect(headers.host).toBe('shop.example:8443');
  });

  it('believes the forwarding headers of a trusted proxy, appending to the chain', async () => {
    const behind = await capture(origin, upstream.url, ['--trusted-proxies', '127.0.0.0/8']);
    try {
      const res = await rawRequest(behind.url, {
        target: '/hello',
        headers: [
          ['X-Forwarded-For', '203.0.113.9'],
          ['X-Forwarded-Proto', 'https'],
          ['X-Forwarded-Host', 'shop.example'],
        ],
      });
      const { headers } = JSON.parse(res.body) as { headers: Record<string, string> };
      expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
      expect(headers['x-forwarded-proto']).toBe('https');
      expect(headers['x-forwarded-host']).toBe('shop.example');
      // The decision was about the client the trusted proxy named.
      expect(behind.recorder.activity.topEntities(1)[0]!.entity).toBe('203.0.113.9');
    } finally {
      await behind.close(100);
    }
  });

  it('refuses a blocked WebSocket handshake and echoes an allowed one', async () => {
    const blocked = webSocketOf(enforce.url, '/ws?foo=bar');
    await expect(blocked.opened).rejects.toThrow(/403/);
    const { ws, opened, next } = webSocketOf(enforce.url, '/ws');
    await opened;
    expect(await next()).toBe('hello allow');
    ws.send('ping');
    expect(await next()).toBe('echo ping');
    ws.close();
  });
});

describe('streaming', () => {
  it('streams an upload: the application reads the first chunk before the rest is sent', async () => {
    const part = Buffer.alloc(64 * 1024, 7);
    const done = deferred<{ size: number; sha256: string }>();
    const req = httpRequest(`${enforce.url}/upload`, { method: 'POST' }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => done.resolve(JSON.parse(text)));
    });
    req.write(part);
    await upstream.firstUploadChunk.promise;
    req.end(part);
    const { createHash } = await import('node:crypto');
    const whole = createHash('sha256').update(part).update(part).digest('hex');
    expect(await done.promise).toEqual({ size: 2 * part.length, sha256: whole });
  });

  it('streams a download: the client reads the first chunk before the rest is written', async () => {
    const res = await fetch(`${enforce.url}/download`);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe('first chunk;');
    upstream.releaseDownload.resolve();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest += new TextDecoder().decode(r.value);
    }
    expect(rest).toBe('second chunk');
  });

  it('keeps every Set-Cookie on its own line', async () => {
    const res = await rawRequest(enforce.url, { target: '/cookies' });
    const lines = res.raw.split('\r\n').filter((l) => /^set-cookie:/i.test(l));
    expect(lines).toEqual([
      'set-cookie: a=1; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT; HttpOnly',
      'set-cookie: b=2; Path=/; Secure',
    ]);
  });
});

describe('the application down or slow', () => {
  it('answers 502 when nothing listens, with the decision recorded', async () => {
    const port = await freePort();
    const lines = collectingIo();
    const dead = await capture(origin, `http://127.0.0.1:${port}`, ['--enforce'], lines);
    try {
      const res = await fetch(`${dead.url}/anything`);
      expect(res.status).toBe(502);
      expect(dead.stats().badGateway).toBe(1);
      expect(dead.recorder.totals).toMatchObject({ requests: 1, allow: 1 });
      expect(lines.stderr.join('')).toMatch(/ECONNREFUSED/);
    } finally {
      await dead.close(100);
    }
  });

  it('answers 504 when the application takes longer than --upstream-timeout', async () => {
    const slow = await capture(origin, upstream.url, ['--enforce', '--upstream-timeout', '300']);
    try {
      const started = Date.now();
      const res = await fetch(`${slow.url}/slow`);
      expect(res.status).toBe(504);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(slow.stats().gatewayTimeout).toBe(1);
      expect(slow.recorder.totals).toMatchObject({ requests: 1, allow: 1 });
    } finally {
      await slow.close(100);
    }
  });
});

describe('the results console of a capture (--console)', () => {
  it('shows its own decisions and sync status, behind ESPER_CONSOLE_TOKEN', async () => {
    const token = 'capture-console-token-0123';
    const lines = collectingIo();
    lines.io.env = { ESPER_CONSOLE_TOKEN: token };
    const one = await capture(origin, upstream.url, ['--console', '127.0.0.1:0'], lines);
    try {
      await fetch(`${one.url}/a`);
      await fetch(`${one.url}/b?foo=bar`);
      expect(one.consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/results$/);
      expect((await fetch(one.consoleUrl!)).status).toBe(401);
      const auth = { authorization: `Basic ${Buffer.from(`me:${token}`).toString('base64')}` };
      const data = await (await fetch(`${one.consoleUrl}/data.json`, { headers: auth })).json();
      const scope = data.scopes[0];
      // Monitor mode: the allow is an allow, the block was recorded and not enforced.
      expect(scope.totals).toEqual({ requests: 2, allow: 1, challenge: 0, block: 0, monitor: 1 });
      expect(scope.policies).toEqual([
        expect.objectContaining({ id: 'pol_foo_bar', observe: 1, block: 0 }),
      ]);
      expect(scope.entities[0]).toMatchObject({ entity: '127.0.0.1', requests: 2 });
      expect(scope.latency.count).toBe(2);
      expect(scope.sync.ok).toBe(true);
      expect(scope.sync.details[0].value).toMatch(/^cfg_/);
      const page = await (await fetch(one.consoleUrl!, { headers: auth })).text();
      expect(page).toContain('<span class="figure" data-figure="monitor">1</span>');
    } finally {
      await one.close(100);
    }
  });

  it('refuses --console without a token long enough', () => {
    expect(() =>
      parseCaptureArgs(['--upstream', upstream.url, '--console', '127.0.0.1:0'], {
        ESPER_API_KEY: 'k',
        ESPER_API_SECRET: 's',
        ESPER_CONSOLE_TOKEN: 'short',
      }),
    ).toThrow(/ESPER_CONSOLE_TOKEN/);
  });
});

describe('reporting and the command', () => {
  it('reports the decisions to origin as hybrid events', async () => {
    const before = (await results()).by_operation_mode.hybrid.requests;
    const lines = collectingIo();
    const one = await capture(origin, upstream.url, [], lines);
    await fetch(`${one.url}/x?foo=bar`);
    await fetch(`${one.url}/y`);
    await one.close(100); // sends what the reporter holds
    const after = await results();
    expect(after.by_operation_mode.hybrid.requests - before).toBe(2);
  });

  it('runs as `esper capture run` until stopped, and refuses bad flags naming them', async () => {
    const lines = collectingIo();
    const stop = new AbortController();
    const env = { ESPER_API_KEY: KEY.apiKey, ESPER_API_SECRET: KEY.secret };
    const running = runCapture(
      ['run', '--upstream', upstream.url, '--listen', '127.0.0.1:0', '--api-base', origin.url],
      { ...lines.io, env, signal: stop.signal },
    );
    let url: string | undefined;
    for (let i = 0; i < 100 && !url; i++) {
      url = /listening on (http:\/\/\S+),/.exec(lines.stdout.join(''))?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    expect((await fetch(`${url}/hello`)).status).toBe(200);
    stop.abort();
    expect(await running).toBe(0);
    expect(lines.stdout.join('')).toMatch(/1 decisions: 1 allowed/);

    const bad = collectingIo();
    const code = await runCapture(['--upstream', 'ftp://x', '--listen', 'nope'], {
      ...bad.io,
      env,
    });
    expect(code).toBe(2);
    expect(bad.stderr.join('')).toMatch(/--upstream must be http: or https:/);
    const noOrigin = collectingIo();
    const port = await freePort();
    const unreachable = await runCapture(
      ['--upstream', upstream.url, '--api-base', `http://127.0.0.1:${port}`],
      { ...noOrigin.io, env },
    );
    expect(unreachable).toBe(5);
    expect(noOrigin.stderr.join('')).toMatch(/could not get the policies/);
  });
});
