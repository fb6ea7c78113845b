import { type ExecutionContextLike, withEsper } from '@esper/cloudflare';
import {
  type DurableObjectNamespaceLike,
  durableObjectStore,
} from '@esper/cloudflare/durable-objects';
import { createHybrid, type Hybrid } from '@esper/hybrid';

// The Durable Object class the tenant's windows are counted in, bound in wrangler.toml.
export { EsperCounter } from '@esper/cloudflare/durable-objects';

interface Env {
  ESPER_API_KEY: string;
  ESPER_API_SECRET: string;
  ESPER_API_BASE?: string;
  ESPER_HYBRID_POLL_MS?: string;
  ESPER_COUNTERS: DurableObjectNamespaceLike; // wrangler.toml's binding
}

// Hybrid mode: the tenant's policies are synced from Esper and each request is decided in the
// isolate, with no call to Esper. One hybrid per isolate, made from the bindings on the first
// request (a worker may do no I/O at global scope); requests then keep it fresh: a poll that
// is due, and each batch of decisions reported back, run in ctx.waitUntil.
let hybrid: Hybrid | undefined;
let synced: Promise<void> | undefined;

function hybridFor(env: Env): Hybrid {
  hybrid ??= createHybrid({
    apiKey: env.ESPER_API_KEY,
    secret: env.ESPER_API_SECRET,
    apiBase: env.ESPER_API_BASE,
    pollIntervalMs: Number(env.ESPER_HYBRID_POLL_MS ?? 10_000),
    // Every isolate (and every Worker bound to the same class) counts in the same objects:
    // "more than 5 login attempts in 1 minute" is 5 across all of them.
    store: durableObjectStore(env.ESPER_COUNTERS),
  });
  return hybrid;
}

// The one change from cloud mode: the decider, from the bindings.
const worker = withEsper<Env>(
  async (request) => {
    // Only allowed requests get here. Esper set these headers; a client's own were removed.
    const decision = request.headers.get('x-esper-decision');
    const decisionId = request.headers.get('x-esper-decision-id');
    return Response.json({ hello: 'from the edge', decision, decisionId });
  },
  (env) => ({ decider: hybridFor(env).decider }),
);

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContextLike): Promise<Response> {
    // A new isolate waits once for its first sync, so its first request is decided too (if
    // origin is unreachable and there is no bootstrap snapshot, requests fail open until a
    // sync succeeds).
    synced ??= hybridFor(env)
      .ready()
      .catch((err) => console.warn(`esper: ${err.message}`));
    await synced;
    return worker.fetch(request, env, ctx);
  },
};
