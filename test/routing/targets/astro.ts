import { startAstroApp } from '../../conformance/targets/astro.js';
import { routingEnv, sendRaw, servedOrFile } from '../../helpers/routing-target.js';
import { appRoutes, type RoutingTarget, staticRoute } from '../routing.js';

/** Files @astrojs/node serves from dist/client, known by their bytes (they carry no header). */
const FILES: Record<string, string> = {
  '<p>secret</p>': 'static:/secret.html',
  'body {\n  margin: 0;\n}\n': 'static:/css/site.css',
};

/**
 * The conformance fixture's Astro app (test/conformance/fixtures/astro-app), built and run as in
 * production (`node dist/server/entry.mjs`), raw request lines on a socket. Astro's router:
 * case-sensitive, one trailing slash ignored (`trailingSlash: 'ignore'`, the default), on the
 * WHATWG-parsed, `decodeURI`d path. `/secret.html` is a prerendered route (its file is in
 * dist/client) and `/css/site.css` a file of public/: @astrojs/node's file server answers
 * both before Astro, and so before any middleware.
 */
export function astroRouting(known?: Record<string, string>): RoutingTarget {
  return {
    name: 'astro',
    routes: [
      ...appRoutes({ caseSensitive: true, strict: false }),
      staticRoute('/secret.html', true),
      staticRoute('/css/site.css', false, 'a public/ file: served before any middleware'),
    ],
    staticFiles: true,
    known,
    async start(runtimeUrl) {
      const app = await startAstroApp(routingEnv(runtimeUrl));
      return { send: sendRaw(app.origin, servedOrFile(FILES, true)), close: app.stop };
    },
  };
}
