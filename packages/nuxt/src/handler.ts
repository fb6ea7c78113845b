import { createEsper, type Decision, type EsperOptions } from '@esper/core';
import { adapterOptions, misconfiguredResponse, onWorkers } from '@esper/core/adapter';
import {
  appendResponseHeader,
  defineEventHandler,
  type EventHandler,
  type EventHandlerRequest,
  type H3Event,
} from 'h3';
import { defaultPreset, type Env, platformFacts } from './platform.js';
import { forward, renderedPath, requestTarget, routedPath, webRequest } from './request.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** `createEsper` options minus what the handler sets itself. */
export type EsperNuxtOptions = Omit<EsperOptions, 'sdk'>;

/**
 * An h3 event handler for Nitro / Nuxt server middleware: `export default esperHandler()` in
 * `server/middleware/esper.ts`. It decides on every request before the routes run: a block or
 * challenge is the response (the request ends there); an allow returns nothing, so h3 goes on
 * with the decision's headers on the request and its response headers set.
 *
 * `process.env` is read now (a bad configuration throws at start-up), except on Cloudflare
 * presets, where Nitro fills it from the bindings per request: there the client is made on the
 * first request, and a bad configuration answers every request with the same 500.
 */
export function esperHandler(
  options: EsperNuxtOptions = {},
): EventHandler<EventHandlerRequest, Promise<Response | undefined>> {
  const env = (options.env ??
    (globalThis as { process?: { env?: Env } }).process?.env ??
    {}) as Env;
  const make = () => {
    // The user's preset, else the platform's: it also says which facts the platform vouches for.
    const preset = options.clientIp?.preset ?? defaultPreset(env);
    const client = createEsper(
      adapterOptions(options, {
        preset,
        sdk: { name: SDK_NAME, version: SDK_VERSION },
        // h3's router is case-sensitive and ignores one trailing slash; Nuxt's pages
        // (vue-router) are case-insensitive, and Nitro's static handler and ufo's parseURL
        // read `//` and `%2F` their own way: rules must hold for all of them. See the README.
        routing: { caseSensitive: false, strict: false, ambiguousSlashes: 'refuse' },
      }),
    );
    return { client, preset };
  };
  let made: ReturnType<typeof make> | Error | undefined =
    onWorkers() && !options.env ? undefined : make();

  return defineEventHandler(async (event: H3Event) => {
    if (made === undefined) {
      try {
        made = make();
      } catch (err) {
        made = err instanceof Error ? err : new Error(String(err));
        globalThis.console?.error(`esper: not protecting requests: ${made.message}`);
      }
    }
    if (made instanceof Error) return misconfiguredResponse();
    const { client, preset } = made;
    const target = requestTarget(event);
    const routed = routedPath(target);
    // No path h3 routes as a path (absolute-form, `OPTIONS *`): nothing core could match rules
    // against faithfully, so it never reaches the app.
    if (routed === undefined)
      return new Response('Bad Request', {
        status: 400,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      });
    const path = renderedPath(routed);
    let request: Request | undefined;
    const apply = async (decision: Decision): Promise<Response | undefined> => {
      event.context.esper = decision;
      const response = await client.respond(decision, request);
      // A Response ends the request: h3 sends it and runs no later handler.
      if (response) return response;
      forward(event, client.upstreamHeaders(event.headers, decision));
      for (const header of decision.responseHeaders) appendResponseHeader(event, ...header);
      return undefined;
    };
    try {
      request = webRequest(event, target);
      return await apply(await client.protect(request, { ...platformFacts(event, preset), path }));
    } catch (err) {
      // Undecided (the request could not be built, or applying the decision threw): core's
      // fallback decides, and the app never sees the client's own x-esper-* headers.
      // Applying it failed too: refused, as an enforced decision that cannot be written is.
      return apply(client.screenFailed(path, err, request)).catch(
        () => new Response(null, { status: 403, headers: { 'cache-control': 'no-store' } }),
      );
    }
  });
}
