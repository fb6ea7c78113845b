import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { sendRaw } from '../../helpers/routing-target.js';
import { routingHonoApp } from '../fixtures/hono-app.js';
import { appRoutes, KEY, type RoutingTarget } from '../routing.js';

/**
 * Hono on a real @hono/node-server (its defaults), in this process: Node's HTTP parser reads
 * the raw request line, node-server makes the Request URL, Hono routes on `c.req.path`
 * (exact: case-sensitive and strict by default).
 */
export function honoNodeRouting(known?: Record<string, string>): RoutingTarget {
  return {
    name: 'hono-node',
    routes: appRoutes({ caseSensitive: true, strict: true }),
    known,
    async start(runtimeUrl) {
      const app = routingHonoApp({ ...KEY, apiBase: runtimeUrl, env: {}, timeoutMs: 2_000 });
      const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
      });
      const { port } = server.address() as AddressInfo;
      return {
        send: sendRaw(`http://127.0.0.1:${port}`),
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      };
    },
  };
}
