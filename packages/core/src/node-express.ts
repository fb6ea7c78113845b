/**
 * Express, for every adapter on it (`@esper/express`, NestJS's Express platform): its routing
 * defaults and the client and scheme under the app's `trust proxy`. Express's types are
 * declared structurally (the parts read here are the same in Express 4 and 5). The routed path
 * is the adapter's to parse: Express routes on `parseurl`, a dependency core does not take.
 */
import type { ClientIpPreset } from './client-ip.js';
import { forwardedForLines, type NodeRequestFacts, type NodeRequestLike } from './node-http.js';
import { believedScheme, type TrustFn, trustedClientIp, trustWalk } from './node-trust.js';

/** The parts of Express's request read here. */
export interface ExpressRequestLike extends NodeRequestLike {
  app?: { get(setting: string): unknown };
  ip?: string;
  protocol?: string;
  originalUrl?: string;
}

/**
 * Express's routing defaults: `case sensitive routing` and `strict routing` off, in the app and
 * in every `express.Router()` unless each one turns them on. `express.static` (Nest's
 * `useStaticAssets`) decodes `%2F` and collapses `//`, which the router does not: refused.
 */
export const EXPRESS_ROUTING = {
  caseSensitive: false,
  strict: false,
  ambiguousSlashes: 'refuse',
} as const;

/** True when the app set `trust proxy`: Express then already applied the user's trust rules. */
export function expressTrustsProxy(req: ExpressRequestLike): boolean {
  const setting = req.app?.get('trust proxy');
  return setting !== undefined && setting !== false;
}

/**
 * What core needs to know about an Express request: `routedTarget` of `req.originalUrl` (under
 * `app.use('/mount', …)` `req.url` has lost the mount path), and the client and scheme as the
 * app's `trust proxy` sees them. With it set, `req.ip` and `req.protocol` (Express's walk of
 * the joined `x-forwarded-*`; behind the Heroku router the app's compiled rules, `trust proxy
 * fn`, walk the router's first line only); otherwise the socket peer and the raw
 * `x-forwarded-for` lines, read the way the preset's platform writes them.
 */
export function expressRequestFacts(
  req: ExpressRequestLike,
  preset: ClientIpPreset,
  routedTarget: (url: string) => string | undefined,
): NodeRequestFacts {
  const target = routedTarget(req.originalUrl ?? req.url ?? '/');
  if (!expressTrustsProxy(req)) {
    return {
      target,
      scheme: believedScheme(req, preset, undefined),
      ip: { remoteAddress: req.socket?.remoteAddress, forwardedFor: forwardedForLines(req) },
    };
  }
  const trust = req.app?.get('trust proxy fn');
  const walk =
    typeof trust === 'function'
      ? trustWalk(req.socket?.remoteAddress, trust as TrustFn)
      : undefined;
  return {
    target,
    scheme: believedScheme(req, preset, req.protocol),
    ip: { clientIp: trustedClientIp(req, preset, req.ip, walk) },
  };
}
