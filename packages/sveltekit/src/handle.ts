import { createEsper, type EsperOptions } from '@esper/core';
import {
  adapterOptions,
  clientPerEnv,
  cloudflareGeo,
  misconfiguredResponse,
  onWorkers,
} from '@esper/core/adapter';
import type { RequestEvent } from '@sveltejs/kit';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** `createEsper` options minus what the hook sets itself. */
export type SvelteKitEsperOptions = Omit<EsperOptions, 'sdk'>;

/**
 * SvelteKit's `Handle`, spelled out: SvelteKit 2 exports the type from `@sveltejs/kit`, 3 from
 * `@sveltejs/kit/hooks`; both take this function (`sequence()` too).
 */
export type EsperHandle = (input: {
  event: RequestEvent;
  resolve: (event: RequestEvent) => Response | Promise<Response>;
}) => Promise<Response>;

/** What the adapters put on `event.platform` that the hook reads (none is required). */
interface Platform {
  env?: Record<string, unknown>;
  cf?: unknown;
  context?: { waitUntil?: (promise: Promise<unknown>) => void };
}

/**
 * The client's address as the adapter vouches for it: adapter-node's socket peer, or its
 * `ADDRESS_HEADER`/`XFF_DEPTH` reading; adapter-vercel's and adapter-cloudflare's platform
 * headers. Undefined where it throws (prerendering, an adapter without one, a missing header).
 */
function clientAddress(event: RequestEvent): string | undefined {
  try {
    return event.getClientAddress() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The path SvelteKit's router matches: `event.url` (dot segments resolved by the URL parser,
 * `/__data.json` stripped from data requests), decoded as the router decodes it (`decodeURI`
 * around `%25`, so `%2F` stays encoded). A path it cannot decode is routed nowhere: kept raw.
 */
function routerPath(event: RequestEvent): string {
  const { pathname } = event.isRemoteRequest ? new URL(event.request.url) : event.url;
  try {
    return pathname.split('%25').map(decodeURI).join('%25');
  } catch {
    return pathname;
  }
}

/** The request the routes see: the same one with the decision's headers (the client's dropped). */
function forward(raw: Request, headers: Headers): Request {
  try {
    return new Request(raw, { headers });
  } catch {
    // A body already read: the headers go on the request itself. Where they are immutable this
    // throws, and SvelteKit answers 500: the routes never see a client's own `x-esper-*`.
    for (const name of [...raw.headers.keys()]) raw.headers.delete(name);
    for (const [name, value] of headers) raw.headers.append(name, value);
    return raw;
  }
}

/**
 * A SvelteKit `handle` hook (`src/hooks.server.ts`; compose it with `sequence()`): every request
 * SvelteKit handles is decided before its route runs. `process.env` is read now, so a bad
 * configuration throws when the server starts; on Cloudflare (no `process.env` at start), the
 * `ESPER_*` bindings of `event.platform.env` are read on the first request of each env.
 */
export function esperHandle(options: SvelteKitEsperOptions = {}): EsperHandle {
  const workers = onWorkers();
  const optionsFor = (env?: Record<string, unknown>) =>
    adapterOptions(env ? { env, ...options } : options, {
      // `getClientAddress()` is the address: the adapter already chose what to trust.
      preset: 'direct',
      sdk: { name: SDK_NAME, version: SDK_VERSION },
      // SvelteKit's routes match with an optional trailing slash (`/admin/` is `/admin`'s route
      // under `trailingSlash: 'ignore'`, and in every data request `/admin/__data.json?…=1`).
      routing: { strict: false },
    });
  const shared = workers && !options.env ? undefined : createEsper(optionsFor());
  const perEnv = clientPerEnv((env: Record<string, unknown> | undefined) => optionsFor(env));

  return async ({ event, resolve }) => {
    const platform = event.platform as Platform | undefined;
    const client = shared ?? perEnv(platform?.env);
    // A misconfigured env: every request gets the same 500, logged once (`clientPerEnv`).
    if (client instanceof Error) return misconfiguredResponse();
    const request = event.request;
    const waitUntil = platform?.context?.waitUntil;
    const decision = await client.protect(request, {
      path: routerPath(event),
      remoteAddress: clientAddress(event),
      geo: cloudflareGeo(platform?.cf),
      requestId: workers ? (request.headers.get('cf-ray') ?? undefined) : undefined,
      // adapter-node has none: the work runs on in the process, which does not exit under it.
      waitUntil: waitUntil && ((p) => waitUntil.call(platform?.context, p)),
    });
    event.locals.esper = decision;
    const denied = await client.respond(decision, request);
    if (denied) return denied;
    // The routes get the decision's headers: `resolve` passes the event it is given down
    // `sequence()` and to the route (its fields are read-only in SvelteKit's types).
    const forwarded = forward(request, client.upstreamHeaders(request.headers, decision));
    return client.decorate(await resolve({ ...event, request: forwarded }), decision);
  };
}
