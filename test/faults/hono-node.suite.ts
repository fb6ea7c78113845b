import type { AddressInfo } from 'node:net';
import { esper } from '@esper/hono';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { vi } from 'vitest';
import { conformanceApp } from '../conformance/target.js';
import { honoNodeTarget } from '../conformance/targets/hono-node.js';
import { faultOptions, rawBadRequests, runChildFaultMatrix } from '../helpers/fault-suites.js';

// The server is a child process: its output is read by the watcher (see teeSpawn).
vi.mock('node:child_process', (load) => import('./watch.js').then((w) => w.teed(load)));

/**
 * The conformance Hono app on @hono/node-server (its defaults) in this process, reached on a
 * raw socket so the client's own Host arrives: node-server builds the Request URL from it.
 */
const badRequests = rawBadRequests(async (runtimeUrl) => {
  const app = new Hono();
  app.use(esper(faultOptions(runtimeUrl)));
  app.all('*', (c) => conformanceApp(c.req.raw));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
});

runChildFaultMatrix(honoNodeTarget, badRequests);
