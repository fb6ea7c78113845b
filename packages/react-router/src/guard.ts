import type { Decision, Esper } from '@esper/core';
import { connectionOf } from './load-context.js';
import {
  type ReactRouterEsperOptions,
  type RoutedArgs,
  reactRouterClient,
  routedPath,
  vouchHeaders,
} from './middleware.js';

/** A guard for one loader or action, with its client. */
export type EsperGuard = ((args: RoutedArgs & { context?: unknown }) => Promise<Decision>) & {
  readonly client: Esper;
};

/**
 * For apps without middleware: `const decision = await guard(args)` first thing in a loader or
 * action. An enforced decision is thrown as its response (a resource route sends it as is; a
 * page route renders its ErrorBoundary with that status). Each guarded loader decides once, and
 * the runtime's response headers are the app's to add (`decision.responseHeaders`): prefer
 * `esperMiddleware()`.
 */
export function esperGuard(options: ReactRouterEsperOptions = {}): EsperGuard {
  const client = reactRouterClient(options);
  const guard = async (args: RoutedArgs & { context?: unknown }) => {
    const { request, context } = args;
    const connection = connectionOf(context);
    const decision = await client.protect(request, {
      path: routedPath(args),
      remoteAddress: connection?.remoteAddress,
      forwardedFor: connection?.forwardedFor,
    });
    const enforced = await client.respond(decision, request);
    if (enforced) throw enforced;
    vouchHeaders(client, request, decision);
    return decision;
  };
  return Object.assign(guard, { client });
}
