import {
  bundleFetchApp,
  type FetchRuntime,
  startInRuntime,
} from '../../conformance/targets/fetch.js';
import { routingEnv, sendRaw } from '../../helpers/routing-target.js';
import { appRoutes, type RoutingTarget } from '../routing.js';

/**
 * `withEsper` in a real Bun or Deno process, reached on a raw socket: the runtime's own HTTP
 * parser reads the request line and makes the Request URL. `router`: a plain Web router
 * matching `new URL(request.url).pathname` exactly (fixtures/fetch-app.ts), or Hono routing on
 * its `getPath` of the `request.url` string (fixtures/fetch-hono.ts). Both match exactly
 * (case-sensitive, strict).
 */
export function fetchRouting(
  runtime: FetchRuntime,
  router: 'plain' | 'hono',
  known?: Record<string, string>,
): RoutingTarget {
  const fixture = router === 'plain' ? 'fetch-app.ts' : 'fetch-hono.ts';
  return {
    name: router === 'plain' ? `fetch-${runtime}` : `fetch-${runtime}-hono`,
    routes: appRoutes({ caseSensitive: true, strict: true }),
    known,
    async start(runtimeUrl) {
      const code = await bundleFetchApp(new URL(`../fixtures/${fixture}`, import.meta.url));
      const app = await startInRuntime(runtime, code, routingEnv(runtimeUrl));
      return { send: sendRaw(app.origin), close: () => app.stop() };
    },
  };
}
