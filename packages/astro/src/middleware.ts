import { createEsper, type Esper, type EsperOptions } from '@esper/core';
import { adapterOptions, misconfiguredResponse } from '@esper/core/adapter';
import type { APIContext, MiddlewareHandler } from 'astro';
import {
  remoteAddressOf,
  renderingPrerendered,
  waitUntilOf,
  watchSocketPeers,
} from './platform.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** `createEsper` options minus what the middleware sets itself. */
export type AstroEsperOptions = Omit<EsperOptions, 'sdk'>;

/**
 * The client, or the configuration error. `astro build` loads the middleware too, to prerender
 * pages, where no `ESPER_*` secret needs to be set: the error is kept for on-demand requests
 * rather than thrown into the build.
 */
function create(options: AstroEsperOptions): Esper | Error {
  try {
    return createEsper(
      adapterOptions(options, {
        // The socket peer on Node, the platform's address elsewhere (see `remoteAddressOf`).
        preset: 'direct',
        sdk: { name: SDK_NAME, version: SDK_VERSION },
        // Astro's router is case-sensitive; with `trailingSlash: 'ignore'` (the default) one
        // trailing slash is ignored, and with 'always' or 'never' Astro redirects the other form.
        routing: { caseSensitive: true, strict: false },
      }),
    );
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Puts the decision's headers on the request the page will see, in place: Astro hands the page
 * the request object the middleware got. False when its headers are immutable (a platform's
 * own incoming request, as on Cloudflare).
 */
function setInPlace(request: Request, headers: Headers): boolean {
  try {
    const own = request.headers;
    for (const name of [...own.keys()]) if (!headers.has(name)) own.delete(name);
    for (const [name, value] of headers) own.set(name, value);
    return [...headers].every(([name, value]) => own.get(name) === value);
  } catch {
    return false;
  }
}

/**
 * The path of the route a rewrite renders: Astro runs the middleware again for it (i18n's
 * `fallbackType: 'rewrite'`, `context.rewrite()`), with `originPathname` still the path first
 * asked for. Its pattern with the params filled in, as Astro matched it (`base` removed,
 * decoded): `/panel/[file]` with `{ file: 'x' }` is `/panel/x`.
 */
function renderedPath(context: APIContext): string {
  const params = context.params as Record<string, string | undefined>;
  const path = context.routePattern.replace(/\[(?:\.\.\.)?([^\]]+)\]/g, (_, name: string) =>
    String(params[name] ?? ''),
  );
  return path.replace(/\/{2,}/g, '/') || '/';
}

/**
 * Astro middleware (`src/middleware.ts`: `export const onRequest = esper()`, or inside
 * `sequence()`): decides every on-demand request before the page or endpoint renders and puts
 * the decision on `context.locals.esper`. Prerendering at build time is left alone.
 */
export function esper(options: AstroEsperOptions = {}): MiddlewareHandler {
  const client = create(options);
  watchSocketPeers();
  let logged = false;
  // Requests (by their `locals`, which a rewrite keeps) this middleware has decided before.
  const decidedBefore = new WeakSet<object>();

  return async (context, next) => {
    // Prerendering at build time: no client, and nothing to decide.
    if (renderingPrerendered(context)) return next();
    if (client instanceof Error) {
      // Logged once, naming the bad option, never a secret's value.
      if (!logged) globalThis.console?.error(`esper: not protecting requests: ${client.message}`);
      logged = true;
      return misconfiguredResponse();
    }
    const request = context.request;
    const rewritten = decidedBefore.has(context.locals);
    decidedBefore.add(context.locals);
    const decision = await client.protect(request, {
      // The path Astro routed on (`originPathname`): the request line through the WHATWG URL
      // parser (dot segments resolved, `\` read as `/`), the `base` and the one slash after it
      // removed (so `//admin` is routed as `/admin`), `decodeURI`d. Not `context.url.pathname`.
      // When a rewrite runs the middleware again, the route it renders.
      path:
        rewritten && typeof context.routePattern === 'string'
          ? renderedPath(context)
          : context.originPathname,
      remoteAddress: remoteAddressOf(context),
      waitUntil: waitUntilOf(context),
    });
    context.locals.esper = decision;
    const blocked = await client.respond(decision, request);
    if (blocked) return blocked;
    const headers = client.upstreamHeaders(request.headers, decision);
    // Immutable headers: the page gets a copy through a rewrite to the same URL, never the
    // original with a client's own `x-esper-*` headers.
    const response = setInPlace(request, headers)
      ? await next()
      : await next(new Request(request, { headers }));
    return client.decorate(response, decision);
  };
}
