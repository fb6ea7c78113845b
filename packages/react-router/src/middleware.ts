import { createEsper, type Decision, type Esper, type EsperOptions } from '@esper/core';
import { adapterOptions } from '@esper/core/adapter';
import { createContext, type MiddlewareFunction, type RouterContext } from 'react-router';
import { connectionOf } from './load-context.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** `createEsper` options minus what the adapter sets itself. */
export type ReactRouterEsperOptions = Omit<EsperOptions, 'sdk'>;

/** The decision for this request: `context.get(esperContext)` in loaders and actions. */
export const esperContext: RouterContext<Decision> = createContext<Decision>();

/**
 * The request headers as the decision vouches for them: the client's `x-esper-*` removed, the
 * decision's (`x-esper-decision`, …) and the runtime's upstream headers added. The middleware
 * makes them `request.headers` too, unless the server's request headers are immutable.
 */
export const esperRequestHeaders: RouterContext<Headers> = createContext<Headers>();

/** What React Router passes a middleware, loader or action that this package reads. */
export interface RoutedArgs {
  request: Request;
  /** The URL React Router routes on (7.15+; `unstable_url` from 7.13.2): no `.data` suffix. */
  url?: URL;
  unstable_url?: URL;
}

/**
 * The path React Router routes on, in the form core's non-strict routing expects: `url` (the
 * request's URL before 7.13.2, when React Router handed over a normalized request; with
 * `future.v8_passThroughRequests`, React Router 8's default, the request is the raw
 * `/admin.data`). The server adapter made the URL with the WHATWG parser (dot segments
 * resolved, `\` read as `/`, the fragment dropped); React Router matches case-insensitively
 * and its patterns end in `\/*$`, so `/admin//` is `/admin`: trailing slashes are cut to the
 * one core removes.
 */
export function routedPath({ request, url, unstable_url }: RoutedArgs): string {
  const routed = url ?? unstable_url ?? new URL(request.url);
  return routed.pathname.replace(/\/{2,}$/, '/');
}

/**
 * The request headers as the decision vouches for them, made `request.headers` too: loaders and
 * actions get this same request, and a client's `x-esper-decision: allow` must not reach them.
 * Where the request's headers are immutable (a Workers fetch event's), they stay as sent.
 */
export function vouchHeaders(client: Esper, request: Request, decision: Decision): Headers {
  const vouched = client.upstreamHeaders(request.headers, decision);
  try {
    for (const name of [...request.headers.keys()]) {
      if (!vouched.has(name)) request.headers.delete(name);
    }
    for (const [name, value] of vouched) request.headers.set(name, value);
  } catch {
    // Immutable: `esperRequestHeaders` still holds them.
  }
  return vouched;
}

/** A root-route middleware with its client, e.g. for `stats` or `close()`. */
export type EsperMiddleware = MiddlewareFunction<Response> & { readonly client: Esper };

/** The core client with this adapter's defaults; throws on a bad option, naming it. */
export function reactRouterClient(options: ReactRouterEsperOptions): Esper {
  return createEsper(
    adapterOptions(options, {
      // Only the socket peer that `esperLoadContext` hands over is known to be true; headers
      // such as x-forwarded-for count only through the `clientIp` option's trusted proxies.
      preset: 'direct',
      sdk: { name: SDK_NAME, version: SDK_VERSION },
      // React Router's defaults: routes match case-insensitively (unless a route sets
      // `caseSensitive`) and ignore trailing slashes.
      routing: { caseSensitive: false, strict: false },
    }),
  );
}

/**
 * `export const middleware = [esperMiddleware()]` in `app/root.tsx` (with
 * `future.v8_middleware`): decides before any loader or action runs. An enforced decision
 * answers with its block or challenge response; otherwise the decision goes into the context
 * and the runtime's response headers onto the response. Reads `process.env` now: a bad
 * configuration throws when the server starts.
 */
export function esperMiddleware(options: ReactRouterEsperOptions = {}): EsperMiddleware {
  const client = reactRouterClient(options);
  const middleware: MiddlewareFunction<Response> = async (args, next) => {
    const { request, context } = args;
    const connection = connectionOf(context);
    const decision = await client.protect(request, {
      path: routedPath(args),
      remoteAddress: connection?.remoteAddress,
      forwardedFor: connection?.forwardedFor,
    });
    context.set(esperContext, decision);
    context.set(esperRequestHeaders, vouchHeaders(client, request, decision));
    const enforced = await client.respond(decision, request);
    if (enforced) return enforced;
    // Background work (`decision.pending`) never rejects and Node keeps running it.
    return client.decorate(await next(), decision);
  };
  return Object.assign(middleware, { client });
}
