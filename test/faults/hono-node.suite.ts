import type { AddressInfo } from 'node:net';
import { esper } from '@esper/hono';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { vi } from 'vitest';
import { TEST_KEY } from '../conformance/runtime.js';
import { APP_CONTRACT, conformanceApp } from '../conformance/target.js';
import { honoNodeTarget } from '../conformance/targets/hono-node.js';
import { rawRequest } from '../helpers/raw-http.js';
import {
  type BadRequestHarness,
  OUT_OF_PROCESS_SLACK_MS,
  runFaultMatrix,
  TIMEOUT_MS,
} from './matrix.js';
import { childWatcher } from './watch.js';

// The server is a child process: its output is read by the watcher (see teeSpawn).
vi.mock('node:child_process', async (importOriginal) => {
  const mod = await importOriginal<typeof import('node:child_process')>();
  const { teeSpawn } = await import('./watch.js');
  return { ...mod, spawn: teeSpawn(mod.spawn) };
});

/**
 * The conformance Hono app on @hono/node-server (its defaults) in this process, reached on a
 * raw socket so the client's own Host arrives: node-server builds the Request URL from it.
 */
const badRequests: BadRequestHarness = {
  async start(runtimeUrl) {
    const app = new Hono();
    app.use(
      esper({
        apiKey: TEST_KEY.apiKey,
        secret: TEST_KEY.secret,
        apiBase: runtimeUrl,
        timeoutMs: TIMEOUT_MS,
        env: {},
        failClosedRoutes: [...APP_CONTRACT.failClosedRoutes],
      }),
    );
    app.all('*', (c) => conformanceApp(c.req.raw));
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      send: (path, headers) => rawRequest(url, { target: path, headers }),
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
    };
  },
};

runFaultMatrix(honoNodeTarget, {
  slackMs: OUT_OF_PROCESS_SLACK_MS,
  watcher: childWatcher(),
  badRequests,
});
