import { relative, sep } from 'node:path';
import { esper } from '@esper/express';
import { type FrameworkName, frameworks, listen } from '../../../packages/express/test/server.js';
import { sendRaw, staticDir } from '../../helpers/routing-target.js';
import { appRoutes, KEY, type RoutingTarget, type Semantics, staticRoute } from '../routing.js';

/**
 * A real Express server with the routes of APP_ROUTES and `express.static` over a temp dir
 * holding `secret.html` (protected) and `css/site.css`. `strict` turns on Express's
 * `case sensitive routing` and `strict routing` and tells the SDK so (`routing`).
 */
export function expressRouting(
  framework: FrameworkName,
  strict: boolean,
  known?: Record<string, string>,
): RoutingTarget {
  // Express's defaults (both off) unless the app turns them on.
  const semantics: Semantics = { caseSensitive: strict, strict };
  const routes = [
    ...appRoutes(semantics),
    staticRoute('/secret.html', true),
    staticRoute('/css/site.css', false, 'a .css GET is excluded by excludeStaticAssets'),
  ];
  return {
    name: `${framework}${strict ? '-strict' : ''}`,
    routes,
    staticFiles: true,
    known,
    async start(runtimeUrl) {
      const { dir, remove } = await staticDir();

      const express = frameworks[framework];
      const mw = esper({
        ...KEY,
        apiBase: runtimeUrl,
        env: {},
        timeoutMs: 2_000, // this suite is about paths, not the clock
        ...(strict ? { routing: { caseSensitive: true, strict: true } } : {}),
      });
      const app = express();
      if (strict) {
        app.set('case sensitive routing', true);
        app.set('strict routing', true);
      }
      app.use(mw);
      for (const route of routes) {
        if (route.handler.startsWith('static:')) continue;
        app.get(route.handler, (req, res) => {
          res.set('x-handler', route.handler).json({ handler: route.handler, path: req.path });
        });
      }
      app.use(
        express.static(dir, {
          setHeaders(res, file) {
            res.setHeader('x-handler', `static:/${relative(dir, file).split(sep).join('/')}`);
          },
        }),
      );
      app.use((req, res) => {
        res.status(404).json({ handler: null, path: req.path });
      });
      const server = await listen(app);
      return {
        send: sendRaw(server.url),
        async close() {
          await server.close();
          await mw.close();
          await remove();
        },
      };
    },
  };
}
