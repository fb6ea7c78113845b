import {
  bundleFetchApp,
  type FetchRuntime,
  startInRuntime,
} from '../../conformance/targets/fetch.js';
import { rawRequest } from '../../helpers/raw-http.js';
import { appRoutes, KEY, type RoutingTarget } from '../routing.js';
import { served } from './hono-node.js';

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
      const app = await startInRuntime(runtime, code, {
        ESPER_API_KEY: KEY.apiKey,
        ESPER_API_SECRET: KEY.secret,
        ESPER_API_BASE: runtimeUrl,
        ESPER_TIMEOUT_MS: '2000',
      });
      return {
        async send(variant, headers) {
          return served(await rawRequest(app.origin, { target: variant.target, headers }));
        },
        close: () => app.stop(),
      };
    },
  };
}
