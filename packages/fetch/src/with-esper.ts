import { type ClientIpOptions, createEsper, type Decision, type EsperOptions } from '@esper/core';
import { adapterOptions } from '@esper/core/adapter';
import { decidedUrl, denoEnv, platformWaitUntil, serverFor, socketPeer } from './platform.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

export interface FetchClientIpOptions extends ClientIpOptions {
  /**
   * The address the platform vouches for, where the wrapper cannot read it itself (Bun and
   * Deno are read from the handler's second argument). Gets the request and the handler's
   * other arguments; must never return a value the client chose (a header).
   */
  // biome-ignore lint/suspicious/noExplicitAny: the handler's own arguments, whatever they are
  remoteAddress?: (request: Request, ...args: any[]) => string | undefined;
}

/**
 * `createEsper` options (see `@esper/core`) minus what the wrapper sets, with `clientIp`'s
 * `remoteAddress` hook. `env` defaults to `process.env` (Bun, Node) or `Deno.env` (Deno);
 * `env: {}` configures the client from the options alone.
 */
export type FetchEsperOptions = Omit<EsperOptions, 'sdk' | 'runtime' | 'clientIp'> & {
  clientIp?: FetchClientIpOptions;
};

/** The wrapped handler: the same arguments, and `drain()` for a graceful shutdown. */
export interface EsperFetchHandler<This, Args extends unknown[], R> {
  (this: This, request: Request, ...args: Args): Promise<R | Response>;
  /** Resolves when the background work of every decision made so far (`onDecision`) is done. */
  drain(): Promise<void>;
}

const handedOn = new WeakMap<Request, { decision: Decision; original: Request }>();

/** A request whose URL names no one path (see `decidedUrl`): no handler can route it. */
const badRequest = () =>
  new Response('Bad Request', {
    status: 400,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });

/**
 * The request the handler gets: a copy with the decision's headers (incoming headers may be
 * immutable, and a client's own `x-esper-*` are dropped), at the URL decided on.
 */
function handOn(request: Request, url: URL, headers: Headers): Request {
  if (url.href === request.url) return new Request(request, { headers });
  const { method, body, signal, redirect } = request;
  const init = { method, headers, body, signal, redirect, duplex: 'half' };
  return new Request(url.href, init as RequestInit);
}

/** The decision for a request the wrapped handler was given. */
export function decisionOf(request: Request): Decision | undefined {
  return handedOn.get(request)?.decision;
}

/**
 * The request the runtime made, for the APIs that accept no other (`Deno.upgradeWebSocket`).
 * Its headers are the client's: read the decision from the request the handler was given.
 */
export function runtimeRequest(request: Request): Request {
  return handedOn.get(request)?.original ?? request;
}

/**
 * Wraps a `fetch(request, …)` handler (`Bun.serve`, `Deno.serve`, a Workers-style
 * `fetch(request, env, ctx)`) so every request is decided before it runs. The client is made
 * now: a bad configuration throws here, naming the option.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: Bun's fetch may return nothing (a WebSocket upgrade)
export function withEsper<This, Args extends unknown[], R extends Response | undefined | void>(
  handler: (this: This, request: Request, ...args: Args) => R | Promise<R>,
  options: FetchEsperOptions = {},
): EsperFetchHandler<This, Args, R> {
  if (typeof handler !== 'function')
    throw new TypeError('withEsper: the handler is not a function');
  const { clientIp, ...rest } = options;
  const { remoteAddress, ...ipOptions } = clientIp ?? {};
  const env = rest.env ?? denoEnv();
  const esper = createEsper(
    adapterOptions(
      { ...rest, ...(env && { env }), clientIp: ipOptions },
      // Only the socket peer is true by default; forwarding headers need `clientIp` set.
      { preset: 'direct', sdk: { name: SDK_NAME, version: SDK_VERSION } },
    ),
  );
  // Bun and Deno have no waitUntil: the process outlives the response, so background work
  // runs on; it is kept here so `drain()` can wait for it (and never rejects: core catches it).
  const background = new Set<Promise<unknown>>();
  const keep = (p: Promise<unknown>) => {
    background.add(p);
    const done = () => background.delete(p);
    p.then(done, done);
  };

  async function screen(request: Request, url: URL, args: Args): Promise<Decision> {
    const platform = platformWaitUntil(args);
    let peer: string | undefined;
    try {
      peer = remoteAddress ? remoteAddress(request, ...args) : socketPeer(request, args);
    } catch (err) {
      // A failing hook is decided like any failure: open or closed as the route says.
      return esper.screenFailed(url.pathname, err, request);
    }
    return esper.protect(request, {
      remoteAddress: peer,
      waitUntil: (p) => {
        keep(p);
        platform?.(p);
      },
    });
  }

  const wrapped = async function (this: This, request: Request, ...args: Args) {
    const url = decidedUrl(request.url);
    if (!url) return badRequest();
    const decision = await screen(request, url, args);
    const answer = await esper.respond(decision, request);
    if (answer) return answer;
    const upstream = handOn(request, url, esper.upstreamHeaders(request.headers, decision));
    handedOn.set(upstream, { decision, original: request });
    const handed = args.map((a) => serverFor(a, upstream, request)) as Args;
    const self = (args.length > 0 && this === args[0] ? handed[0] : this) as This;
    const response = await handler.call(self, upstream, ...handed);
    // Bun's fetch returns nothing once `server.upgrade()` took the request.
    return response instanceof Response ? esper.decorate(response, decision) : response;
  } as EsperFetchHandler<This, Args, R>;
  wrapped.drain = async () => {
    while (background.size > 0) await Promise.allSettled([...background]);
  };
  return wrapped;
}
