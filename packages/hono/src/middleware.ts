import { createEsper, type Decision, type EsperOptions } from '@esper/core';
import {
  adapterOptions,
  clientPerEnv,
  cloudflareGeo,
  misconfiguredResponse,
  onWorkers,
} from '@esper/core/adapter';
import type { Context, MiddlewareHandler } from 'hono';
import { defaultPreset, socketPeer } from './platform.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** `createEsper` options minus what the middleware sets itself. */
export type HonoEsperOptions = Omit<EsperOptions, 'sdk'>;

/** For `new Hono<EsperEnv>()`; the `hono` module augmentation types `c.get('esper')` anyway. */
export type EsperEnv = { Variables: { esper: Decision } };

function waitUntilOf(c: Context): ((p: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    // Hono throws when the runtime has no execution context (Node, Bun, Deno).
    return undefined;
  }
}

/**
 * The request the handlers see: the same request, with the decision's headers. Undefined when
 * no such request can be made: the raw one is never handed over with headers the decision did
 * not vouch for, since a client-sent `x-esper-*` header would pass for a decision.
 */
function forward(raw: Request, headers: Headers): Request | undefined {
  try {
    // Keeps everything the platform attached (`request.cf` on Workers).
    return new Request(raw, { headers });
  } catch {}
  try {
    // @hono/node-server's lightweight request (with `overrideGlobalObjects: false`) fails the
    // global Request's brand check; a body already read was cached by HonoRequest.
    const body = raw.bodyUsed ? null : raw.body;
    const init = { method: raw.method, headers, body, duplex: 'half', redirect: raw.redirect };
    return new Request(raw.url, init as RequestInit);
  } catch {}
  try {
    // Neither copy could be built (e.g. a non-standard request object with a method undici
    // refuses): the raw one goes on only if its own headers can be made exactly the decision's.
    const own = raw.headers;
    for (const name of [...own.keys()]) own.delete(name);
    for (const [name, value] of headers) own.append(name, value);
    const same =
      [...own].every(([name, value]) => headers.get(name) === value) &&
      [...headers.keys()].every((name) => own.has(name));
    if (same) return raw;
  } catch {
    // Immutable headers (a platform's incoming request).
  }
  return undefined;
}

/**
 * Decides on every request before later handlers run. On Workers, `ESPER_*` bindings
 * configure it, read on the first request of each `env`; elsewhere `process.env` is read
 * now, so a bad configuration throws when the app starts.
 */
export function esper(options: HonoEsperOptions = {}): MiddlewareHandler<EsperEnv> {
  const workers = onWorkers();
  const optionsFor = (env?: Record<string, unknown>) =>
    adapterOptions(env ? { env, ...options } : options, {
      preset: defaultPreset(workers),
      sdk: { name: SDK_NAME, version: SDK_VERSION },
      // `serveStatic` joins `//secret.html` into `/secret.html`, which the router does not.
      routing: { ambiguousSlashes: 'refuse' },
    });
  // Elsewhere than Workers, `process.env` is read now: a bad configuration throws at start-up.
  const shared = workers && !options.env ? undefined : createEsper(optionsFor());
  const perEnv = clientPerEnv((env: unknown) => optionsFor(env as Record<string, unknown>));
  const clientFor = (env: unknown) => shared ?? perEnv(env);

  return async (c, next) => {
    const client = clientFor(c.env);
    // A misconfigured env: every request gets the same 500, logged once (`clientPerEnv`).
    if (client instanceof Error) return misconfiguredResponse();
    const raw = c.req.raw;
    const decision = await client.protect(raw, {
      // The path Hono's router matched (its getPath: decoded, `strict: false` applied, a
      // custom getPath honoured), which can differ from what the URL parser makes of the URL.
      path: c.req.path,
      remoteAddress: workers ? undefined : socketPeer(c.env, raw),
      geo: cloudflareGeo((raw as { cf?: unknown }).cf),
      requestId: workers ? (raw.headers.get('cf-ray') ?? undefined) : undefined,
      waitUntil: waitUntilOf(c),
    });
    c.set('esper', decision);
    const blocked = await client.respond(decision, raw);
    if (blocked) return blocked;
    // The raw request's headers may be immutable; a copy carries the decision to the handlers.
    const forwarded = forward(raw, client.upstreamHeaders(raw.headers, decision));
    // Hono's onError answers 500 (and logs): the handlers never see the client's own headers.
    if (!forwarded) throw new Error('esper: cannot pass the request on with the decision headers');
    c.req.raw = forwarded;
    await next();
    const res = client.decorate(c.res, decision);
    if (res !== c.res) {
      // The `c.res` setter merges the old response's headers into the new one and would drop
      // the runtime's Set-Cookie headers; `decorate` already copied them all.
      c.res = undefined;
      c.res = res;
    }
  };
}
