import type { ResolvedConfig } from './config.js';
import { isStaticAsset } from './routes.js';

/** What the route options say about a path in `routePath` form. */
export function routeChecks(config: ResolvedConfig) {
  function namedFailClosed(pathname: string, request: Request): boolean {
    try {
      return config.failClosed?.(pathname, request) ?? false;
    } catch {
      // A route predicate that throws cannot say the route is safe to leave open.
      return true;
    }
  }

  return {
    /** Blocked when no decision can be made: `failMode`, then `failClosedRoutes`. */
    failsClosed(pathname: string, request: Request): boolean {
      return config.failMode === 'closed' || namedFailClosed(pathname, request);
    },

    /** Routes the user excluded, or static assets the user did not name in a route option. */
    skips(pathname: string, request: Request): boolean {
      if (config.exclude?.(pathname, request)) return true;
      if (config.include && !config.include(pathname, request)) return true;
      const readOnly = request.method === 'GET' || request.method === 'HEAD';
      if (!readOnly || !isStaticAsset(pathname, config.excludeStaticAssets)) return false;
      // Configuration that names a route beats the static-asset default.
      return config.include === undefined && !namedFailClosed(pathname, request);
    },
  };
}

export type RouteChecks = ReturnType<typeof routeChecks>;
