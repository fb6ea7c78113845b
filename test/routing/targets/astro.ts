import { TEST_KEY } from '../../conformance/runtime.js';
import { startAstroApp } from '../../conformance/targets/astro.js';
import { rawRequest } from '../../helpers/raw-http.js';
import { appRoutes, type RoutingTarget, type Served, staticRoute } from '../routing.js';

/** Files @astrojs/node serves from dist/client, known by their bytes (they carry no header). */
const FILES: Record<string, string> = {
  '<p>secret</p>': 'static:/secret.html',
  'body {\n  margin: 0;\n}\n': 'static:/css/site.css',
};

function served(res: { status: number; headers: Headers; body: string }): Served {
  let appPath: string | undefined;
  try {
    appPath = (JSON.parse(res.body) as { path?: string }).path;
  } catch {}
  const handler = res.headers.get('x-handler') ?? (res.status === 200 ? FILES[res.body] : null);
  return { status: res.status, handler: handler ?? null, appPath };
}

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
      const app = await startAstroApp({
        ESPER_API_KEY: TEST_KEY.apiKey,
        ESPER_API_SECRET: TEST_KEY.secret,
        ESPER_API_BASE: runtimeUrl,
        ESPER_TIMEOUT_MS: '2000', // this suite is about paths, not the clock
      });
      return {
        send: async (variant, headers) =>
          served(await rawRequest(app.origin, { target: variant.target, headers })),
        close: app.stop,
      };
    },
  };
}
