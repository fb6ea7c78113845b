import { Miniflare } from 'miniflare';
import { bundleWorker } from '../../conformance/targets/cloudflare-workerd.js';
import { routingEnv, sendRaw } from '../../helpers/routing-target.js';
import { appRoutes, type RoutingTarget } from '../routing.js';

/**
 * A worker in workerd (miniflare 3), reached on miniflare's own HTTP listener with raw
 * request lines, so workerd parses each target itself (dispatchFetch would hand it a URL
 * undici had already normalised). The app routes exactly (Hono's defaults, or the plain
 * worker's `pathname` comparison).
 */
function workerdRouting(
  name: string,
  entry: string,
  known?: Record<string, string>,
): RoutingTarget {
  return {
    name,
    routes: appRoutes({ caseSensitive: true, strict: true }),
    known,
    async start(runtimeUrl) {
      const mf = new Miniflare({
        modules: true,
        script: await bundleWorker(new URL(entry, import.meta.url).href),
        compatibilityDate: '2025-07-01',
        bindings: routingEnv(runtimeUrl),
      });
      return { send: sendRaw((await mf.ready).origin), close: () => mf.dispose() };
    },
  };
}

export const honoWorkersRouting = (known?: Record<string, string>) =>
  workerdRouting('hono-workerd', '../fixtures/hono-worker.ts', known);
export const cloudflareRouting = (known?: Record<string, string>) =>
  workerdRouting('cloudflare', '../fixtures/worker.ts', known);
