import { relative, sep } from 'node:path';
import { type Platform, routeController, startNest } from '../../../packages/nestjs/test/app.js';
import { sendRaw, staticDir } from '../../helpers/routing-target.js';
import { APP_ROUTES } from '../routes.js';
import { appRoutes, KEY, type RoutingTarget, staticRoute } from '../routing.js';

/**
 * A real Nest 11 app: one controller per route of APP_ROUTES and `useStaticAssets` over a temp
 * dir holding `secret.html` (protected) and `css/site.css`, registered after `useEsper`. The
 * oracle's semantics are the platform's router: Express's defaults (case-insensitive,
 * non-strict) or find-my-way's (exact unless `routerOptions` widen it, given to Fastify and
 * read back by the SDK from the instance).
 */
export function nestRouting(
  platform: Platform,
  routerOptions?: { caseSensitive?: boolean; ignoreTrailingSlash?: boolean },
  known?: Record<string, string>,
): RoutingTarget {
  const exact = platform === 'fastify';
  const routes = [
    ...appRoutes({
      caseSensitive: exact && routerOptions?.caseSensitive !== false,
      strict: exact && routerOptions?.ignoreTrailingSlash !== true,
    }),
    staticRoute('/secret.html', true),
    staticRoute('/css/site.css', false, 'a .css GET is excluded by excludeStaticAssets'),
  ];
  return {
    name: `nestjs-${platform}${routerOptions ? `-${Object.keys(routerOptions).join('-')}` : ''}`,
    routes,
    staticFiles: true,
    known,
    async start(runtimeUrl) {
      const { dir, remove } = await staticDir();
      const server = await startNest({
        platform,
        esper: { ...KEY, apiBase: runtimeUrl, env: {}, timeoutMs: 2_000 },
        controllers: APP_ROUTES.map((r) => routeController(r.pattern)),
        fastify: routerOptions && { routerOptions },
        staticDir: {
          root: dir,
          setHeaders(res, file) {
            res.setHeader('x-handler', `static:/${relative(dir, file).split(sep).join('/')}`);
          },
        },
      });
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
