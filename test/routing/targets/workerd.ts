import { Miniflare } from 'miniflare';
import { bundleWorker } from '../../conformance/targets/cloudflare-workerd.js';
import { rawRequest } from '../../helpers/raw-http.js';
import { appRoutes, KEY, type RoutingTarget } from '../routing.js';
import { served } from './hono-node.js';

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
        bindings: {
          ESPER_API_KEY: KEY.apiKey,
          ESPER_API_SECRET: KEY.secret,
          ESPER_API_BASE: runtimeUrl,
          ESPER_TIMEOUT_MS: '2000',
        },
      });
      const url = (await mf.ready).origin;
      return {
        async send(variant, headers) {
          return served(await rawRequest(url, { target: variant.target, headers }));
        },
        close: () => mf.dispose(),
      };
    },
  };
}

export const honoWorkersRouting = (known?: Record<string, string>) =>
  workerdRouting('hono-workerd', '../fixtures/hono-worker.ts', known);
export const cloudflareRouting = (known?: Record<string, string>) =>
  workerdRouting('cloudflare', '../fixtures/worker.ts', known);
