import { cloudflareGeo, misconfiguredResponse } from '@esper/core/adapter';
import { clientCache, type OptionsInput } from './client.js';
import type { ExecutionContextLike, FetchHandler, WorkerHandler } from './types.js';

type EnvOf<H> = H extends { fetch?(request: never, env: infer E, ctx: never): unknown }
  ? E
  : unknown;

/**
 * Wraps a module worker so every request is decided by Esper before `fetch` runs.
 * `options` may be a function of `env`; by default `ESPER_*` bindings configure the client.
 */
export function withEsper<Env = unknown>(
  handler: FetchHandler<Env>,
  options?: OptionsInput<Env>,
): { fetch: FetchHandler<Env> };
// biome-ignore lint/suspicious/noExplicitAny: an unannotated `env` stays usable (any), as in a plain worker
export function withEsper<H extends WorkerHandler<any>>(
  handler: H,
  options?: OptionsInput<EnvOf<H>>,
): Omit<H, 'fetch'> & { fetch: FetchHandler<EnvOf<H>> };
export function withEsper<Env>(
  handler: WorkerHandler<Env> | FetchHandler<Env>,
  options?: OptionsInput<Env>,
): WorkerHandler<Env> & { fetch: FetchHandler<Env> } {
  const inner: WorkerHandler<Env> = typeof handler === 'function' ? { fetch: handler } : handler;
  if (typeof inner.fetch !== 'function') {
    throw new TypeError('withEsper: the handler has no fetch method');
  }
  const clientFor = clientCache(options);

  async function fetch(request: Request, env: Env, ctx: ExecutionContextLike): Promise<Response> {
    const esper = clientFor(env);
    if (esper instanceof Error) return misconfiguredResponse();
    const decision = await esper.protect(request, {
      geo: cloudflareGeo((request as { cf?: unknown }).cf),
      requestId: request.headers.get('cf-ray') ?? undefined,
      waitUntil: ctx && typeof ctx.waitUntil === 'function' ? (p) => ctx.waitUntil(p) : undefined,
    });
    const blocked = await esper.respond(decision, request);
    if (blocked) return blocked;
    // `new Request(request, init)` keeps the body, method and `request.cf`.
    const upstream = new Request(request, {
      headers: esper.upstreamHeaders(request.headers, decision),
    });
    const response = await inner.fetch!(upstream, env, ctx);
    return esper.decorate(response, decision);
  }

  return { ...inner, fetch };
}
