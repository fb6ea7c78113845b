import { createEsper, type Decision, type EsperOptions } from '@esper/core';
import { adapterOptions } from '@esper/core/adapter';
import { type MiddlewareContext, platformFacts } from './facts.js';
import {
  continueResponse,
  continuesToApp,
  overriddenHeaders,
  setRequestHeaders,
} from './request-headers.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** Core options (see `@esper/core`); `runtime` and `sdk` are set by this package. */
export type EsperVercelOptions = Omit<EsperOptions, 'runtime' | 'sdk'>;

// biome-ignore lint/suspicious/noConfusingVoidType: Next's own NextMiddlewareResult includes void.
type MiddlewareResult = Response | null | undefined | void;

/**
 * A Next.js middleware / proxy or Vercel Routing Middleware. It runs only when the request is
 * allowed (or in monitor mode) and also gets the decision.
 */
export type Middleware<Req extends Request = Request, Ctx = MiddlewareContext | undefined> = (
  request: Req,
  context: Ctx,
  decision: Decision,
) => MiddlewareResult | Promise<MiddlewareResult>;

export type EsperMiddleware<Req extends Request = Request, Ctx = MiddlewareContext | undefined> = (
  request: Req,
  context?: Ctx,
) => Promise<Response>;

declare const EdgeRuntime: string | undefined;

export function withEsper(options?: EsperVercelOptions): EsperMiddleware;
export function withEsper<Req extends Request, Ctx = MiddlewareContext | undefined>(
  middleware: Middleware<Req, Ctx>,
  options?: EsperVercelOptions,
): EsperMiddleware<Req, Ctx>;
export function withEsper(
  first?: Middleware<Request, unknown> | EsperVercelOptions,
  second?: EsperVercelOptions,
): EsperMiddleware<Request, unknown> {
  const [middleware, options] = typeof first === 'function' ? [first, second] : [undefined, first];
  // Created now, not per request, so bad configuration fails when the module loads.
  const esper = createEsper(
    adapterOptions(options ?? {}, {
      preset: 'vercel',
      runtime: typeof EdgeRuntime === 'string' ? 'vercel-edge' : 'vercel-node',
      sdk: { name: SDK_NAME, version: SDK_VERSION },
    }),
  );

  return async (request, context) => {
    const decision = await esper.protect(request, platformFacts(request, context));
    const denied = await esper.respond(decision, request);
    if (denied) return denied;
    const response = (await middleware?.(request, context, decision)) ?? continueResponse();
    if (!continuesToApp(response)) return esper.decorate(response, decision);
    // The user's middleware may have set request headers of its own; the decision goes on top.
    const base = overriddenHeaders(response) ?? request.headers;
    const upstream = esper.upstreamHeaders(base, decision);
    return esper.decorate(setRequestHeaders(response, upstream), decision);
  };
}
