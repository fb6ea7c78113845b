import { startSvelteKitApp } from '../../conformance/targets/sveltekit.js';
import { routingEnv, sendRaw, servedOrFile } from '../../helpers/routing-target.js';
import { appRoutes, type RoutingTarget, staticRoute } from '../routing.js';

/** The fixture's static/ files, as adapter-node's file server (sirv) sends them. */
const STATIC_BODIES: Record<string, string> = {
  '<p>secret</p>\n': 'static:/secret.html',
  'body {\n  margin: 0;\n}\n': 'static:/css/site.css',
};

/**
 * The SvelteKit fixture (test/conformance/fixtures/sveltekit-app) built with adapter-node and run
 * as `node build/index.js`: Node's parser reads the request line, adapter-node serves `static/`
 * with sirv, then makes the Request URL (the URL parser resolves dot segments and `\`), and
 * SvelteKit routes on its pathname, `decodeURI`d: case-sensitive, an optional trailing slash
 * (`trailingSlash: 'never'` redirects `/admin/` to `/admin` with a 308 before any hook runs),
 * `%2F` kept encoded. The routes' handlers send `x-handler`; the catch-all (the conformance app)
 * sends none: it is the app's 404, open.
 */
export function svelteKitRouting(known?: Record<string, string>): RoutingTarget {
  return {
    name: 'sveltekit',
    routes: [
      ...appRoutes({ caseSensitive: true, strict: false }),
      staticRoute('/secret.html', true),
      staticRoute('/css/site.css', false, "adapter-node's file server answers before the hook"),
    ],
    staticFiles: true,
    known,
    async start(runtimeUrl) {
      const app = await startSvelteKitApp(routingEnv(runtimeUrl));
      return { send: sendRaw(app.origin, servedOrFile(STATIC_BODIES)), close: app.stop };
    },
  };
}
