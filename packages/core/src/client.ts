import { createAssembler, type DecisionParts } from './assemble.js';
import { Backoff } from './backoff.js';
import { DecisionCache } from './cache.js';
import { realClock } from './clock.js';
import { type EsperOptions, type ResolvedConfig, resolveConfig } from './config.js';
import { createDecide } from './decide.js';
import type { Decision } from './decision.js';
import { EsperConfigError } from './errors.js';
import { InFlightLimiter } from './in-flight.js';
import { type Logger, safeLogger, silentLogger } from './logger.js';
import { detectRuntime } from './platform.js';
import type { ProtectFacts } from './protect-facts.js';
import {
  badRequestResponse,
  blockResponse,
  challengeResponse,
  clearanceRedirect,
  decorateResponse,
  upstreamHeaders,
} from './respond.js';
import { routeChecks } from './route-checks.js';
import { routePath } from './routes.js';
import { createRuntimeCall, type Failure, signerSlot } from './runtime-call.js';
import { createSigner, type SignerFactory } from './signing.js';
import { DecisionCounter, type EsperStats, failOpenNotice } from './stats.js';
import { createFetchTransport } from './transport.js';
import { SDK_NAME, SDK_VERSION } from './version.js';
import type { WebCrypto } from './web-types.js';

export type { ProtectFacts } from './protect-facts.js';

export interface Esper {
  /** Decides on a request. Never throws and never takes longer than `timeoutMs` (plus a few ms). */
  protect(request: Request, facts?: ProtectFacts): Promise<Decision>;
  /**
   * The response to send instead of the application's, or null to continue. Without a request
   * (one that could not be built), an enforced decision gets the JSON form.
   */
  respond(decision: Decision, request?: Request): Promise<Response | null>;
  /** Adds the runtime's response headers (e.g. `set-cookie`) to the application's response. */
  decorate(response: Response, decision: Decision): Response;
  /** Request headers for the application: the client's `x-esper-*` removed, the decision's added. */
  upstreamHeaders(headers: Headers, decision: Decision): Headers;
  /**
   * Whether a request on this path is blocked when no decision can be made: `failMode`, then
   * `failClosedRoutes` (a predicate that throws counts as closed); never in monitor mode.
   */
  failsClosed(pathname: string, request?: Request): boolean;
  /**
   * The decision for a request an adapter could not screen (it could not even be turned into a
   * `Request`, or screening threw): allow or block as `failMode` and `failClosedRoutes` say for
   * `pathname`, `source: 'fallback'`, `reason: 'internal'`, logged and counted like every
   * fallback. Apply it like any decision; never pass the request on undecided.
   */
  screenFailed(pathname: string, error: unknown, request?: Request): Decision;
  /** Counts of decisions by source and reason since the client was created. */
  readonly stats: EsperStats;
  /** Number of decisions held in the cache. */
  readonly cacheSize: number;
  close(): Promise<void>;
}

let placeholder: Request | undefined;
/** For the rare call with no request at hand (it could not be built); JSON responses. */
const placeholderRequest = () => (placeholder ??= new Request('http://localhost/'));

/** A request for a path that has none: anything the parser accepts, else `/`. */
function requestFor(pathname: string): Request {
  try {
    return new Request(`http://localhost/${pathname.replace(/^\/+/, '')}`);
  } catch {
    return placeholderRequest();
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function randomIds(crypto: WebCrypto): () => string {
  const uuid = crypto.randomUUID?.bind(crypto);
  if (uuid) return uuid;
  return () =>
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');
}

/** The response for an enforced decision: the user's own, else the SDK's; never a throw. */
async function enforcedResponse(
  options: EsperOptions,
  config: ResolvedConfig,
  logger: Logger,
  decision: Decision,
  request: Request,
): Promise<Response> {
  try {
    if (decision.action === 'block') {
      return options.responses?.block
        ? await options.responses.block(decision, request)
        : blockResponse(decision, request);
    }
    return options.responses?.challenge
      ? await options.responses.challenge(decision, request)
      : challengeResponse(decision, request, config.allowedRedirectOrigins);
  } catch (err) {
    logger.error({ err }, 'esper: custom response failed; sending the default block response');
    try {
      return blockResponse(decision, request);
    } catch {
      // An enforced decision stays enforced even when no page can be built for it.
      return new Response(null, { status: 403, headers: { 'cache-control': 'no-store' } });
    }
  }
}

/** Wires the pieces: config, runtime call, decision assembly, the decide pipeline. */
export function createEsper(options: EsperOptions = {}): Esper {
  const config = resolveConfig(options);
  const logger = safeLogger(options.logger ?? silentLogger);
  const now = options.now ?? Date.now;
  const clock = options.now ?? realClock;
  const crypto = options.crypto ?? globalThis.crypto;
  if (!crypto?.subtle)
    throw new EsperConfigError(
      'crypto',
      'WebCrypto (crypto.subtle) is not available here; pass a Crypto implementation',
    );
  const transport = options.transport ?? createFetchTransport(options.fetch);
  const cache = config.cache
    ? new DecisionCache<DecisionParts>(config.cache.maxEntries, now)
    : undefined;
  const source = {
    sdk: options.sdk?.name ?? SDK_NAME,
    version: options.sdk?.version ?? SDK_VERSION,
    runtime: options.runtime ?? detectRuntime(),
  };
  const timedOut: Failure = {
    failure: 'timeout',
    message: `no answer within ${config.timeoutMs} ms`,
  };
  const backoff = new Backoff(now);
  const counter = new DecisionCounter();
  const routes = routeChecks(config);
  const assembler = createAssembler({
    config,
    logger,
    counter,
    clock,
    onDecision: options.onDecision,
    // Without a logger, failing open must still be visible somewhere.
    noticeFailOpen: options.logger
      ? undefined
      : failOpenNotice(now, (m) => globalThis.console?.warn(m)),
    failsClosed: routes.failsClosed,
  });
  const makeSigner: SignerFactory =
    options.signer ?? ((keyId, secret) => createSigner(keyId, secret, crypto.subtle));
  // Both start now, in the background: the HMAC key's import and the transport's load (undici
  // takes ~100 ms to import) would otherwise be paid out of the first request's timeout.
  const signer = signerSlot(makeSigner, config.apiKey, config.secret);
  // A local decider makes no runtime calls: nothing to warm.
  if (!options.decider) transport.warm?.(config.endpoint.origin);
  const ask = createRuntimeCall({
    config,
    transport,
    signer,
    limiter: new InFlightLimiter(config.maxInFlight),
    backoff,
    now,
    sdkHeader: `${source.sdk}/${source.version} (${source.runtime})`,
    timedOut,
  });
  const decide = createDecide({
    ...{ config, logger, assembler, routes, ask, backoff, cache, now, source, timedOut },
    fields: options.fields,
    decider: options.decider,
    randomId: randomIds(crypto),
  });

  return {
    async protect(request, facts) {
      const started = clock();
      try {
        return await decide(request, facts, started);
      } catch (err) {
        // A bug (or a hostile input we did not foresee) must not take the site down.
        let pathname = facts?.path ?? '/';
        try {
          pathname = facts?.path ?? new URL(request.url).pathname;
        } catch {}
        const failure: Failure = { failure: 'internal', message: message(err) };
        const routed = routePath(pathname, config.routing);
        return assembler.fallback(request, routed, failure, undefined, facts, started);
      }
    },
    screenFailed(rawPath, error, request) {
      const failure: Failure = { failure: 'internal', message: message(error) };
      const routed = routePath(rawPath, config.routing);
      return assembler.fallback(
        request ?? requestFor(rawPath),
        routed,
        failure,
        undefined,
        undefined,
        clock(),
      );
    },
    async respond(decision, given) {
      const request = given ?? placeholderRequest();
      if (!decision.enforced) return clearanceRedirect(decision, request);
      if (decision.reason === 'invalid_request') return badRequestResponse(decision);
      return enforcedResponse(options, config, logger, decision, request);
    },
    decorate: decorateResponse,
    upstreamHeaders,
    failsClosed(pathname, request) {
      if (config.mode === 'monitor') return false;
      return routes.failsClosed(
        routePath(pathname, config.routing),
        request ?? requestFor(pathname),
      );
    },
    get stats() {
      return counter.snapshot();
    },
    get cacheSize() {
      return cache?.size ?? 0;
    },
    async close() {
      cache?.clear();
      await transport.close?.();
    },
  };
}
