import { withEsper } from '@esper/lambda';
import { buildEvent, lambdaContext, toTargetResponse } from '../../conformance/targets/lambda.js';
import { served } from '../../helpers/routing-target.js';
import { APP_ROUTES } from '../routes.js';
import { appRoutes, KEY, type RoutingTarget } from '../routing.js';

type Kind = 'v1' | 'v2' | 'function-url' | 'alb';
// biome-ignore lint/suspicious/noExplicitAny: AWS event JSON, read loosely as a small router does
type Json = Record<string, any>;

const table = APP_ROUTES.map((r) => ({
  handler: r.pattern,
  re: new RegExp(`^${r.pattern.replace(/:[a-z]+/g, '[^/]+')}$`),
}));

/**
 * The routing app as a small Lambda router writes it: the event's own path (`rawPath` for
 * HTTP API and Function URLs, `path` for REST and ALB) compared exactly with each route.
 */
async function router(event: Json) {
  const path: string = event.rawPath ?? event.path;
  const route = table.find((r) => r.re.test(path));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (route) headers['x-handler'] = route.handler;
  return {
    statusCode: route ? 200 : 404,
    statusDescription: route ? '200 OK' : '404 Not Found',
    headers,
    body: JSON.stringify({ handler: route?.handler ?? null, path }),
    isBase64Encoded: false,
  };
}

/**
 * The variant goes in as the event's path, as the front door would hand it over (the
 * conformance targets' event builders, from real AWS samples); absolute-form request lines
 * have no Lambda event of their own (the front door routes them), so those rows are n/a.
 */
function lambdaRouting(name: string, kind: Kind, known?: Record<string, string>): RoutingTarget {
  return {
    name,
    routes: appRoutes({ caseSensitive: true, strict: true }),
    lambda: true,
    known,
    async start(runtimeUrl) {
      const handler = withEsper(router, {
        ...KEY,
        apiBase: runtimeUrl,
        env: {},
        timeoutMs: 2_000,
      });
      return {
        async send(variant, headers) {
          const event = buildEvent(kind, {
            path: variant.lambda ?? variant.target,
            headers,
            platformIp: '198.51.100.7',
          });
          const res = toTargetResponse(kind, await handler(event, lambdaContext('esper-routing')));
          return served(res);
        },
        close: () => handler.esper.close(),
      };
    },
  };
}

export const lambdaRoutingTargets = (known: Record<string, Record<string, string>> = {}) => [
  lambdaRouting('lambda-apigw-v1', 'v1', known['lambda-apigw-v1']),
  lambdaRouting('lambda-apigw-v2', 'v2', known['lambda-apigw-v2']),
  lambdaRouting('lambda-function-url', 'function-url', known['lambda-function-url']),
  lambdaRouting('lambda-alb', 'alb', known['lambda-alb']),
];
