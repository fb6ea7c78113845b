import type { IncomingMessage } from 'node:http';
import { esperEdge } from '@esper/lambda/edge';
import { startOrigin, throughCloudFront } from '../../conformance/targets/lambda-edge.js';
import { served } from '../../helpers/routing-target.js';
import { APP_ROUTES } from '../routes.js';
import { appRoutes, KEY, type Route, type RoutingTarget } from '../routing.js';

const table = APP_ROUTES.map((r) => ({
  handler: r.pattern,
  re: new RegExp(`^${r.pattern.replace(/:[a-z]+/g, '[^/]+')}$`),
}));

/** A custom origin with an exact router: the request line's path compared with each route. */
export function exactOrigin(req: IncomingMessage) {
  const path = (req.url ?? '/').split('?')[0]!;
  const route = table.find((r) => r.re.test(path));
  return reply(route?.handler ?? null, path);
}

/**
 * An S3 origin: the object key is the whole path percent-decoded (`%2F` included), without its
 * leading slash, matched exactly and case-sensitively; no dot segment is resolved.
 */
const OBJECTS: Record<string, string> = {
  admin: '/admin',
  login: '/login',
  'panel/x': '/panel/:file',
  public: '/public',
  'secret.html': 'static:/secret.html',
  'css/site.css': 'static:/css/site.css',
};
export function s3Origin(req: IncomingMessage) {
  const path = (req.url ?? '/').split('?')[0]!;
  let key: string | undefined;
  try {
    key = decodeURIComponent(path).slice(1);
  } catch {}
  return reply((key !== undefined && OBJECTS[key]) || null, path);
}
const S3_ROUTES: Route[] = Object.entries(OBJECTS).map(([key, handler]) => ({
  handler,
  protected: !['public', 'css/site.css'].includes(key),
  serves(path) {
    try {
      return decodeURIComponent(path).slice(1) === key;
    } catch {
      return false;
    }
  },
}));

function reply(handler: string | null, path: string) {
  const headers: Array<[string, string]> = [['content-type', 'application/json']];
  if (handler) headers.push(['x-handler', handler]);
  return { status: handler ? 200 : 404, headers, body: JSON.stringify({ handler, path }) };
}

/**
 * A viewer-request trigger in front of an origin. CloudFront hands the function the request
 * target as the viewer sent it (`uri` and `querystring`, UTF-8 unchanged) and forwards that
 * same target to the origin when the function leaves it alone (targets/lambda-edge.ts); a
 * request line CloudFront would refuse before any function runs is not modelled, so absolute-
 * form rows are n/a as for the other Lambda targets.
 */
function edgeRouting(
  name: string,
  origin: typeof exactOrigin,
  routes: Route[],
  known?: Record<string, string>,
): RoutingTarget {
  return {
    name,
    routes,
    staticFiles: origin === s3Origin,
    lambda: true,
    known,
    async start(runtimeUrl) {
      const handler = esperEdge({ ...KEY, apiBase: runtimeUrl, timeoutMs: 2_000 });
      const server = await startOrigin(origin);
      return {
        async send(variant, headers) {
          const req = {
            path: variant.lambda ?? variant.target,
            headers,
            platformIp: '198.51.100.7',
          };
          // biome-ignore lint/suspicious/noExplicitAny: the stand-in reads CloudFront JSON loosely
          const res = await throughCloudFront('viewer-request', handler as any, server.url, req);
          return served(res);
        },
        async close() {
          await handler.esper.close();
          await server.close();
        },
      };
    },
  };
}

export const lambdaEdgeRoutingTargets = (known: Record<string, Record<string, string>> = {}) => [
  edgeRouting(
    'lambda-edge',
    exactOrigin,
    appRoutes({ caseSensitive: true, strict: true }),
    known['lambda-edge'],
  ),
  edgeRouting('lambda-edge-s3', s3Origin, S3_ROUTES, known['lambda-edge-s3']),
];
