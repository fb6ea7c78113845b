/**
 * The same protected page behind three integrations, each a real server on 127.0.0.1:
 * `@esper/core` in a plain Node HTTP server, `@esper/express` in Express 5, and
 * `@esper/cloudflare` in workerd (miniflare listening on a real port).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEsper } from '@esper/core';
import { esper } from '@esper/express';
import { createHybrid } from '@esper/hybrid';
import { Miniflare } from 'miniflare';
import { frameworks } from '../../packages/express/test/server.js';
import { bundleWorker } from '../conformance/targets/cloudflare-workerd.js';
import { appHtml, appPage } from './page.js';

export interface RuntimeKey {
  apiBase: string;
  apiKey: string;
  secret: string;
}

export interface BrowserApp {
  name: string;
  url: string;
  close(): Promise<void>;
}

// The runtime is on loopback but the machine is busy: a generous timeout keeps a slow answer
// from turning into a fail-open allow that would hide a challenge.
const TIMEOUT_MS = 5000;

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: ReturnType<typeof createServer>) {
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers });
}

/** createEsper + protect/respond/decorate, by hand, as the core README shows. */
export async function startCoreApp(key: RuntimeKey): Promise<BrowserApp> {
  const client = createEsper({ ...key, timeoutMs: TIMEOUT_MS });
  const server = createServer(async (req, res) => {
    const request = toRequest(req);
    const decision = await client.protect(request, { remoteAddress: req.socket.remoteAddress });
    const denied = await client.respond(decision, request);
    const response =
      denied ??
      client.decorate(
        appPage(
          new Request(request, { headers: client.upstreamHeaders(request.headers, decision) }),
        ),
        decision,
      );
    const headers: Record<string, string | string[]> = {};
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') headers[name] = value;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    res.writeHead(response.status, headers);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  const url = await listen(server);
  const close = closer(server);
  return {
    name: 'core',
    url,
    close: async () => {
      await close();
      await client.close();
    },
  };
}

export async function startExpressApp(key: RuntimeKey): Promise<BrowserApp> {
  const express = frameworks.express5;
  const middleware = esper({ ...key, timeoutMs: TIMEOUT_MS, env: {} });
  const app = express();
  app.use(middleware);
  app.use((req, res) => {
    res
      .type('html')
      .send(appHtml(req.path, req.get('x-esper-decision') ?? null, req.get('x-esper-decision-id')));
  });
  const server = createServer(app);
  const url = await listen(server);
  const close = closer(server);
  return {
    name: 'express',
    url,
    close: async () => {
      await close();
      await middleware.close();
    },
  };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Hybrid mode in Express: `@esper/hybrid` synced from `key.apiBase` decides every request
 * locally; core keeps `apiBase` only to trust the origin's challenge page as a redirect target.
 */
export async function startExpressHybridApp(key: RuntimeKey): Promise<BrowserApp> {
  const hybrid = createHybrid({ ...key, pollIntervalMs: 1000, logger: quiet });
  await hybrid.ready();
  const express = frameworks.express5;
  const middleware = esper({ ...key, timeoutMs: TIMEOUT_MS, env: {}, decider: hybrid.decider });
  const app = express();
  app.use(middleware);
  app.use((req, res) => {
    res
      .type('html')
      .send(appHtml(req.path, req.get('x-esper-decision') ?? null, req.get('x-esper-decision-id')));
  });
  const server = createServer(app);
  const url = await listen(server);
  const close = closer(server);
  return {
    name: 'express',
    url,
    close: async () => {
      await close();
      await middleware.close();
      await hybrid.close();
    },
  };
}

/** Hybrid mode in workerd: fixtures/hybrid-worker.ts, a `createHybrid` per isolate. */
export function startWorkerHybridApp(key: RuntimeKey): Promise<BrowserApp> {
  return startWorkerApp(key, 'hybrid-worker.ts');
}

export async function startWorkerApp(key: RuntimeKey, fixture = 'worker.ts'): Promise<BrowserApp> {
  const mf = new Miniflare({
    modules: true,
    script: await bundleWorker(`../../browser/fixtures/${fixture}`),
    compatibilityDate: '2025-07-01',
    host: '127.0.0.1',
    port: 0,
    bindings: {
      ESPER_API_KEY: key.apiKey,
      ESPER_API_SECRET: key.secret,
      ESPER_API_BASE: key.apiBase,
      ESPER_TIMEOUT_MS: String(TIMEOUT_MS),
    },
  });
  const url = (await mf.ready).origin;
  return { name: 'cloudflare', url, close: () => mf.dispose() };
}
