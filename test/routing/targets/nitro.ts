import {
  type NitroServer,
  startNitroApp,
  startNitroWorkers,
} from '../../conformance/targets/nitro.js';
import { startNuxtApp } from '../../conformance/targets/nuxt.js';
import { routingEnv, sendRaw } from '../../helpers/routing-target.js';
import { appRoutes, type Route, type RoutingTarget } from '../routing.js';

/**
 * The conformance Nitro app (test/conformance/fixtures/nitro-app, `nitro build`, node-server
 * preset) in its own process, reached on a raw socket. h3 decodes the path (all but `%2F`)
 * before any handler, then its radix3 router matches it case-sensitively, one trailing slash
 * ignored; `routes/[...].ts` serves every path no other route does.
 */
export function nitroRouting(known?: Record<string, string>): RoutingTarget {
  return nodeServerRouting(
    'nitro',
    appRoutes({ caseSensitive: true, strict: false }),
    startNitroApp,
    known,
  );
}

/**
 * The conformance Nuxt 3 app (fixtures/nitro-app/nuxt, `nuxt build`): APP_ROUTES are pages,
 * which vue-router matches case-insensitively, one trailing slash ignored, on the path h3
 * decoded; a server middleware after Esper's answers every other path (the contract app).
 */
export function nuxtRouting(known?: Record<string, string>): RoutingTarget {
  return nodeServerRouting(
    'nuxt',
    appRoutes({ caseSensitive: false, strict: false }),
    startNuxtApp,
    known,
  );
}

function nodeServerRouting(
  name: string,
  routes: Route[],
  start: (env: Record<string, string>) => Promise<NitroServer>,
  known?: Record<string, string>,
): RoutingTarget {
  const catchAll: Route = { handler: '/**', protected: false, serves: () => true };
  return {
    name,
    routes: [...routes, catchAll],
    known,
    async start(runtimeUrl) {
      const app = await start(routingEnv(runtimeUrl));
      return { send: sendRaw(app.origin), close: app.stop };
    },
  };
}

/**
 * The fixture's cloudflare-module build in workerd (Miniflare), reached on Miniflare's own HTTP
 * listener with raw request lines: workerd parses the target into the Request URL (WHATWG:
 * dot segments resolved, `\\` read as `/`) and Nitro's entry hands h3 its pathname and search.
 */
export function nitroWorkersRouting(known?: Record<string, string>): RoutingTarget {
  const catchAll: Route = { handler: '/**', protected: false, serves: () => true };
  return {
    name: 'nitro-workers',
    routes: [...appRoutes({ caseSensitive: true, strict: false }), catchAll],
    known,
    async start(runtimeUrl) {
      const mf = await startNitroWorkers(routingEnv(runtimeUrl));
      return { send: sendRaw((await mf.ready).origin), close: () => mf.dispose() };
    },
  };
}
