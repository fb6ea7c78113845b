/**
 * Structural stand-ins for `@cloudflare/workers-types`, so this package's types work with or
 * without it. Method syntax keeps parameters bivariant: a handler typed with the real
 * `ExportedHandler<Env>` (whose `Request` carries `IncomingRequestCfProperties`) fits.
 */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException?(): void;
}

export type FetchHandler<Env = unknown> = (
  request: Request,
  env: Env,
  ctx: ExecutionContextLike,
) => Response | Promise<Response>;

/** A module worker's default export. Handlers other than `fetch` are passed through as they are. */
export interface WorkerHandler<Env = unknown> {
  fetch?(request: Request, env: Env, ctx: ExecutionContextLike): Response | Promise<Response>;
  scheduled?: unknown;
  queue?: unknown;
  email?: unknown;
  tail?: unknown;
  trace?: unknown;
  tailStream?: unknown;
  test?: unknown;
}
