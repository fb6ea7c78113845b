import { relative, sep } from 'node:path';
import {
  type FastifyName,
  fastifyApp,
  fastifyStatic4,
  fastifyStatic5,
  listen,
} from '../../../packages/fastify/test/server.js';
import { sendRaw, staticDir } from '../../helpers/routing-target.js';
import { appRoutes, KEY, type RoutingTarget, staticRoute } from '../routing.js';

/** find-my-way's options that change which path a request routes to. */
export interface FastifyRouterOptions {
  caseSensitive?: boolean;
  ignoreTrailingSlash?: boolean;
  ignoreDuplicateSlashes?: boolean;
  useSemicolonDelimiter?: boolean;
}

const statics = { fastify4: fastifyStatic4, fastify5: fastifyStatic5 } as const;

/**
 * A real Fastify server with the routes of APP_ROUTES and `@fastify/static` (a `/*` route)
 * over a temp dir holding `secret.html` (protected) and `css/site.css`. `router` is given the
 * way each major takes it (Fastify 5: `routerOptions`); the plugin reads it from the instance,
 * the SDK is told nothing. The oracle's semantics follow the router: case-sensitive unless
 * `caseSensitive: false`, strict unless `ignoreTrailingSlash` (one slash, like path-to-regexp).
 */
export function fastifyRouting(
  framework: FastifyName,
  router: FastifyRouterOptions = {},
  known?: Record<string, string>,
): RoutingTarget {
  const routes = [
    ...appRoutes({
      caseSensitive: router.caseSensitive !== false,
      strict: router.ignoreTrailingSlash !== true,
    }),
    staticRoute('/secret.html', true),
    staticRoute('/css/site.css', false, 'a .css GET is excluded by excludeStaticAssets'),
  ];
  const loose = Object.keys(router).length > 0;
  return {
    name: `${framework}${loose ? `-${Object.keys(router).join('-')}` : ''}`,
    routes,
    staticFiles: true,
    known,
    async start(runtimeUrl) {
      const { dir, remove } = await staticDir();
      const app = await fastifyApp(
        framework,
        { ...KEY, apiBase: runtimeUrl, env: {}, timeoutMs: 2_000 },
        async (app) => {
          for (const route of routes) {
            if (route.handler.startsWith('static:')) continue;
            app.get(route.handler, async (request, reply) => {
              reply.header('x-handler', route.handler);
              return { handler: route.handler, path: request.url };
            });
          }
          await app.register(statics[framework] as typeof fastifyStatic5, {
            root: dir,
            setHeaders(res, file) {
              res.setHeader('x-handler', `static:/${relative(dir, file).split(sep).join('/')}`);
            },
          });
          app.setNotFoundHandler(async (request, reply) => {
            reply.code(404);
            return { handler: null, path: request.url };
          });
        },
        framework === 'fastify5' ? { routerOptions: router } : router,
      );
      const server = await listen(app);
      return {
        send: sendRaw(server.url),
        async close() {
          await server.close();
          await remove();
        },
      };
    },
  };
}
