import { startReactRouterApp } from '../../conformance/targets/react-router.js';
import { routingEnv, sendRaw } from '../../helpers/routing-target.js';
import { APP_ROUTES } from '../routes.js';
import type { Route, RoutingTarget } from '../routing.js';

/** React Router's `decodePath`: each segment decoded, a decoded `/` kept as `%2F`. */
function decodePath(path: string): string {
  try {
    return path
      .split('/')
      .map((s) => decodeURIComponent(s).replace(/\//g, '%2F'))
      .join('/');
  } catch {
    return path;
  }
}

/**
 * A route as React Router 7 matches it (`compilePath`): case-insensitive, `:param` one
 * segment, any number of trailing slashes (`\/*$`), on the decoded path.
 */
function reactRouterRoute(pattern: string, isProtected: boolean): Route {
  const body = pattern
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  const re = new RegExp(`^${body}\\/*$`, 'i');
  return { handler: pattern, protected: isProtected, serves: (path) => re.test(decodePath(path)) };
}

/**
 * The fixture's real `react-router build` behind @react-router/express: Node's HTTP parser
 * reads the raw request line, @react-router/express makes the URL with the WHATWG parser
 * (`protocol://host` + `originalUrl`), React Router strips one trailing slash and matches
 * (case-insensitive, trailing slashes ignored). Unmatched paths reach the splat route, which
 * names no handler. No static files: `express.static` in front of React Router is Express's
 * (the express targets cover it), the middleware never sees those requests.
 */
export function reactRouterRouting(known?: Record<string, string>): RoutingTarget {
  return {
    name: 'react-router',
    routes: APP_ROUTES.map((r) => reactRouterRoute(r.pattern, r.protected)),
    known,
    async start(runtimeUrl) {
      const app = await startReactRouterApp({ ...routingEnv(runtimeUrl), ESPER_MODE: 'live' });
      return { send: sendRaw(app.origin), close: app.stop };
    },
  };
}
