import { Backoff } from './backoff.js';
import { DecisionCache } from './cache.js';
import { CallAbort } from './call-abort.js';
import { type EsperOptions, type ResolvedConfig, resolveConfig } from './config.js';
import {
  buildRequestBody,
  CLEARANCE_NAME,
  type Geo,
  LIMITS,
  sanitizeFields,
  serializeBody,
} from './context.js';
import {
  type Decision,
  type DecisionAction,
  type FailureReason,
  parseRuntimeAnswer,
  type RuntimeAnswer,
} from './decision.js';
import { EsperConfigError, ResponseTooLargeError } from './errors.js';
import { normalizeIp } from './ip.js';
import { safeLogger, silentLogger } from './logger.js';
import {
  badRequestResponse,
  blockResponse,
  challengeResponse,
  clearanceRedirect,
  decorateResponse,
  upstreamHeaders,
} from './respond.js';
import { hasDotSegment, isStaticAsset, routePath } from './routes.js';
import { createSigner, HEADER_SDK, type Signer, type SignerFactory } from './signing.js';
import { DecisionCounter, type EsperStats, failOpenNotice } from './stats.js';
import { createFetchTransport } from './transport.js';
import { keepStart } from './truncate.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** What the platform knows about a request that the Web `Request` does not carry. */
export interface ProtectFacts {
  /**
   * The path the platform's router will route on, raw (origin-form, no query), when it is not
   * the `Request` URL's: the URL parser resolves dot segments and re-encodes, Node and Lambda
   * hand the application the path as sent. Route rules and the runtime see this path.
   */
  path?: string;
  /**
   * The `x-forwarded-for` header lines as received, in order, where the platform keeps them
   * apart (Node's `rawHeaders`, ALB multi-value events): some proxies (the Heroku router)
   * append to the first line only, which `Headers` would hide by joining them.
   */
  forwardedFor?: readonly string[];
  /** The address the platform vouches for: the socket peer, or a Lambda event's `sourceIp`. */
  remoteAddress?: string;
  /**
   * A client IP the adapter has already resolved with knowledge core lacks (e.g. Express's
   * `trust proxy` setting). Replaces the `clientIp` option's resolution; never pass a value a
   * client can choose.
   */
  clientIp?: string;
  geo?: Geo;
  /** The platform's request id (`cf-ray`, `x-vercel-id`, Lambda's `requestId`, …). */
  requestId?: string;
  /** The platform's `waitUntil`, given the decision's background work. */
  waitUntil?: (promise: Promise<unknown>) => void;
}

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
   * `failClosedRoutes` (a predicate that throws counts as closed); never in monitor mode. For
   * adapters that fail before `protect()` can run, so they treat the request as it would.
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

type Outcome =
  | { answer: RuntimeAnswer }
  | { failure: FailureReason; message: string; status?: number };

/** What a decision says, before the client adds where it came from and how long it took. */
type DecisionParts = Omit<RuntimeAnswer, 'mode' | 'cacheScope'> & {
  mode?: Decision['mode'];
  status?: number;
};

const noAnswer = (action: DecisionAction): DecisionParts => ({
  action,
  message: undefined,
  status: undefined,
  ttlSeconds: 0,
  responseHeaders: [],
  upstreamHeaders: [],
});

let placeholder: Request | undefined;
/** For the rare call with no request at hand (it could not be built); JSON responses. */
const placeholderRequest = () => (placeholder ??= new Request('http://localhost/'));

/** A request whose path could not be given a route: anything the parser accepts, else `/`. */
function requestFor(pathname: string): Request {
  try {
    return new Request(`http://localhost/${pathname.replace(/^\/+/, '')}`);
  } catch {
    return placeholderRequest();
  }
}

const MAX_RESPONSE_BYTES = 64 * 1024;
/** How long past its deadline a call that never settled still holds its in-flight slot. */
const SLOT_TTL_MS = 1000;

interface Slot {
  dueAt: number;
}
const DONE: Promise<void> = Promise.resolve();

function detectRuntime(): string {
  const g = globalThis as {
    EdgeRuntime?: unknown;
    navigator?: { userAgent?: string };
    process?: { versions?: { node?: string; bun?: string } };
    Deno?: unknown;
  };
  if (typeof g.EdgeRuntime === 'string') return 'edge-runtime';
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'cloudflare-workers';
  if (g.Deno) return 'deno';
  if (g.process?.versions?.bun) return 'bun';
  if (g.process?.versions?.node) return 'node';
  return 'web';
}

/**
 * Whether the client presents an Esper clearance token (query parameter or cookie). The query
 * is only parsed when it could hold the name: without `%` its decoded form is the raw text.
 */
function hasClearance(url: URL, headers: Headers): boolean {
  const q = url.search;
  if (q.length > 1 && (q.includes(CLEARANCE_NAME) || q.includes('%'))) {
    if (url.searchParams.has(CLEARANCE_NAME)) return true;
  }
  return (headers.get('cookie') ?? '').includes(`${CLEARANCE_NAME}=`);
}

// The timeout timer runs on real time whatever `options.now` says, so its early check does too.
const realClock: () => number = globalThis.performance ? () => performance.now() : Date.now;

/**
 * Aborts that wait their turn. Tearing down a connection costs up to a millisecond under load;
 * when a burst of requests times out together, doing it in each timer would push the deadlines
 * still to come past their time. On servers (Node, Bun, Deno) a shared queue waits until no
 * deadline has fired for a few milliseconds (or its oldest entry has waited 250 ms, so a
 * steady stream of timeouts is still torn down), then aborts a quarter of a millisecond's
 * worth per event-loop turn, after that turn's timers. Workers refuse I/O on behalf of another
 * request, so there, as wherever `setImmediate` is missing, each request aborts from its own
 * timer on the next turn.
 */
const ABORT_QUIET_MS = 5;
const ABORT_MAX_WAIT_MS = 250;
const ABORT_SLICE_MS = 0.25;
const abortQueue: (CallAbort | undefined)[] = [];
let abortHead = 0;
let lastDeadlineAt = 0;
let batchStartedAt = 0;
const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const sharedAborts =
  typeof setImmediateFn === 'function' &&
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent !==
    'Cloudflare-Workers';

/** Clean-up timers do not keep a process alive (Node, Bun, Deno have `unref`). */
function unref(timer: unknown) {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

function drainAborts() {
  const t = realClock();
  if (t - lastDeadlineAt < ABORT_QUIET_MS && t - batchStartedAt < ABORT_MAX_WAIT_MS) {
    unref(setTimeout(drainAborts, ABORT_QUIET_MS));
    return;
  }
  const until = t + ABORT_SLICE_MS;
  while (abortHead < abortQueue.length && realClock() < until) {
    const call = abortQueue[abortHead];
    abortQueue[abortHead++] = undefined;
    try {
      call?.abort();
    } catch {}
  }
  if (abortHead < abortQueue.length) setImmediateFn!(drainAborts);
  else abortQueue.length = abortHead = 0;
}

function abortSoon(call: CallAbort) {
  if (!sharedAborts) {
    setTimeout(() => call.abort(), 0);
    return;
  }
  lastDeadlineAt = realClock();
  if (abortQueue.push(call) === 1) {
    batchStartedAt = lastDeadlineAt;
    unref(setTimeout(drainAborts, ABORT_QUIET_MS));
  }
}

export function createEsper(options: EsperOptions = {}): Esper {
  const config: ResolvedConfig = resolveConfig(options);
  const logger = safeLogger(options.logger ?? silentLogger);
  const now = options.now ?? Date.now;
  const clock = options.now ?? realClock;
  const cryptoImpl = options.crypto ?? globalThis.crypto;
  if (!cryptoImpl?.subtle)
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
  const sdkHeader = `${source.sdk}/${source.version} (${source.runtime})`;
  const timedOut: Outcome = {
    failure: 'timeout',
    message: `no answer within ${config.timeoutMs} ms`,
  };
  const path = config.endpoint.pathname + config.endpoint.search;
  const backoff = new Backoff(now);
  const counter = new DecisionCounter();
  // Without a logger, failing open must still be visible somewhere.
  const noticeFailOpen = options.logger
    ? undefined
    : failOpenNotice(now, (message) => globalThis.console?.warn(message));
  // Both start now, in the background: importing the HMAC key and loading a transport (undici
  // takes ~100 ms to import) would otherwise be paid out of the first request's timeout.
  const makeSigner: SignerFactory =
    options.signer ?? ((keyId, secret) => createSigner(keyId, secret, cryptoImpl.subtle));
  const startSigner = (): Promise<Signer> => {
    const started = (async () => makeSigner(config.apiKey, config.secret))();
    // A failed start (a bad key, a throwing factory) is retried by the next request.
    started.catch(() => {
      if (signer === started) signer = undefined;
    });
    return started;
  };
  let signer: Promise<Signer> | undefined = startSigner();
  transport.warm?.(config.endpoint.origin);

  const randomId = () =>
    typeof cryptoImpl.randomUUID === 'function'
      ? cryptoImpl.randomUUID()
      : Array.from(cryptoImpl.getRandomValues(new Uint8Array(16)), (b) =>
          b.toString(16).padStart(2, '0'),
        ).join('');

  /**
   * Every decision is built here, field by field in one order: one object shape for V8, and
   * no object spread on the per-request path (a spread of the answer cost more than the rest
   * of the decision's bookkeeping).
   */
  function finish(
    request: Request,
    parts: DecisionParts,
    source: Decision['source'],
    reason: Decision['reason'],
    clientIp: string | undefined,
    facts: ProtectFacts | undefined,
    started: number,
  ): Decision {
    const mode = config.mode === 'monitor' ? 'monitor' : (parts.mode ?? 'live');
    const decision: Decision = {
      action: parts.action,
      mode,
      enforced: parts.action !== 'allow' && mode === 'live',
      source,
      reason,
      message: parts.message,
      status: parts.status,
      decisionId: parts.decisionId,
      policyId: parts.policyId,
      mitigationId: parts.mitigationId,
      ttlSeconds: parts.ttlSeconds,
      challengeUrl: parts.challengeUrl,
      responseHeaders: parts.responseHeaders,
      upstreamHeaders: parts.upstreamHeaders,
      clientIp,
      latencyMs: clock() - started,
      pending: DONE,
    };
    counter.count(decision);
    if (options.onDecision) {
      const hook = options.onDecision;
      decision.pending = Promise.resolve()
        .then(() => hook(decision, request))
        .catch((err: unknown) => logger.warn({ err }, 'esper: onDecision hook failed'));
      try {
        facts?.waitUntil?.(decision.pending);
      } catch (err) {
        // Some platforms throw from waitUntil outside a request; the work still runs.
        logger.warn({ err }, 'esper: waitUntil refused the background work');
      }
    }
    return decision;
  }

  function fallback(
    request: Request,
    pathname: string,
    outcome: Extract<Outcome, { failure: unknown }>,
    clientIp: string | undefined,
    facts: ProtectFacts | undefined,
    started: number,
  ): Decision {
    const closed = routeFailsClosed(pathname, request);
    const action: DecisionAction = closed ? 'block' : 'allow';
    if (!closed && config.mode === 'live') noticeFailOpen?.(outcome.failure);
    const level = outcome.status === 400 || outcome.status === 401 ? 'error' : 'warn';
    logger[level](
      { reason: outcome.failure, status: outcome.status, detail: outcome.message, action },
      `esper: no decision from the runtime (${outcome.failure}); failing ${closed ? 'closed' : 'open'}`,
    );
    const parts = noAnswer(action);
    parts.message = outcome.message;
    parts.status = outcome.status;
    return finish(request, parts, 'fallback', outcome.failure, clientIp, facts, started);
  }

  /** `pathname` is in `routePath` form. */
  function routeFailsClosed(pathname: string, request: Request): boolean {
    return config.failMode === 'closed' || namedFailClosed(pathname, request);
  }

  function namedFailClosed(pathname: string, request: Request): boolean {
    try {
      return config.failClosed?.(pathname, request) ?? false;
    } catch {
      // A route predicate that throws cannot say the route is safe to leave open.
      return true;
    }
  }

  /** Routes the user excluded, or static assets the user did not name in a route option. */
  function skips(pathname: string, request: Request): boolean {
    if (config.exclude?.(pathname, request)) return true;
    if (config.include && !config.include(pathname, request)) return true;
    const readOnly = request.method === 'GET' || request.method === 'HEAD';
    if (!config.excludeStaticAssets || !readOnly || !isStaticAsset(pathname)) return false;
    // Configuration that names a route beats the static-asset default.
    return config.include === undefined && !namedFailClosed(pathname, request);
  }

  // Calls in flight to the runtime are capped. When it hangs under a burst, starting every
  // call would spend the event loop opening sockets that cannot answer in time and make every
  // decision late; the rest wait here, and one whose deadline passes while waiting is never sent.
  // A slot is freed when its call settles, and in any case SLOT_TTL_MS after its deadline: a
  // call that never settles (a request the platform cancelled, a transport that ignores the
  // abort) must not hold a slot for ever.
  const slots = new Set<Slot>();
  const waiting = new Set<{ slot: Slot; resolve: (slot: Slot) => void }>();

  function freeExpired(t: number) {
    for (const slot of slots) if (slot.dueAt + SLOT_TTL_MS <= t) slots.delete(slot);
  }

  function acquire(dueAt: number): Slot | Promise<Slot> {
    const slot: Slot = { dueAt };
    if (slots.size < config.maxInFlight && waiting.size === 0) {
      slots.add(slot);
      return slot;
    }
    // Queued, then admitted at once if expired slots make room.
    const queued = new Promise<Slot>((resolve) => waiting.add({ slot, resolve }));
    admitWaiting();
    return queued;
  }

  function release(slot: Slot) {
    if (slots.delete(slot)) admitWaiting();
  }

  /** Oldest first. Past-due waiters are dropped unresumed: their deadline decides them. */
  function admitWaiting() {
    const t = realClock();
    if (slots.size >= config.maxInFlight) freeExpired(t);
    for (const next of waiting) {
      if (next.slot.dueAt > t && slots.size >= config.maxInFlight) return;
      waiting.delete(next);
      if (next.slot.dueAt > t) {
        slots.add(next.slot);
        next.resolve(next.slot);
      }
    }
  }

  async function ask(
    body: string,
    call: CallAbort,
    dueAt: number,
    deadline: { passed: boolean },
  ): Promise<Outcome> {
    let res: Awaited<ReturnType<typeof transport.send>>;
    let signed: Record<string, string>;
    try {
      signer ??= startSigner();
      signed = await (await signer)('POST', path, body, Math.floor(now() / 1000));
    } catch (err) {
      return { failure: 'internal', message: `signing failed: ${(err as Error)?.message ?? err}` };
    }
    // Under a burst, signing completions can queue up behind each other past the deadline
    // before the timer gets to run; a request that is already late is not sent at all.
    if (deadline.passed || realClock() >= dueAt) return timedOut;
    const acquired = acquire(dueAt);
    const slot = acquired instanceof Promise ? await acquired : acquired;
    if (deadline.passed) {
      release(slot);
      return timedOut;
    }
    try {
      res = await transport.send({
        url: config.endpoint.href,
        method: 'POST',
        headers: { 'content-type': 'application/json', [HEADER_SDK]: sdkHeader, ...signed },
        body,
        get signal() {
          return call.signal;
        },
        abort: call,
        maxResponseBytes: MAX_RESPONSE_BYTES,
      });
    } catch (err) {
      if (deadline.passed) return timedOut;
      if (err instanceof ResponseTooLargeError)
        return { failure: 'bad_response', message: err.message };
      return { failure: 'network', message: err instanceof Error ? err.message : String(err) };
    } finally {
      release(slot);
    }
    if (res.status === 429) backoff.rateLimited(res.headers.get('retry-after'));
    else backoff.answered();
    if (res.status !== 200) {
      let code = '';
      try {
        code = (JSON.parse(res.body) as { error?: { code?: string } }).error?.code ?? '';
      } catch {}
      const detail = typeof code === 'string' && code ? ` (${code.slice(0, 64)})` : '';
      return {
        failure: 'bad_status',
        status: res.status,
        message: `runtime answered ${res.status}${detail}`,
      };
    }
    try {
      return { answer: parseRuntimeAnswer(res.body) };
    } catch (err) {
      return { failure: 'bad_response', message: (err as Error).message };
    }
  }

  async function decide(
    request: Request,
    facts: ProtectFacts | undefined,
    started: number,
  ): Promise<Decision> {
    const url = new URL(request.url);
    const rawPath = facts?.path ?? url.pathname;
    if (hasDotSegment(rawPath)) {
      const refused = noAnswer('block');
      refused.status = 400;
      refused.message = 'the path has a dot segment';
      return finish(request, refused, 'fallback', 'invalid_request', undefined, facts, started);
    }
    const pathname = routePath(rawPath, config.routing);
    if (skips(pathname, request)) {
      return finish(request, noAnswer('allow'), 'skipped', 'excluded', undefined, facts, started);
    }

    const clientIp =
      facts?.clientIp !== undefined
        ? normalizeIp(facts.clientIp)
        : config.resolveClientIp(request.headers, facts?.remoteAddress, facts?.forwardedFor);
    // The user agent is cut as on the wire, so a client cannot make keys of any size.
    const cacheKey =
      cache && clientIp
        ? `${clientIp}|${keepStart(request.headers.get('user-agent') ?? '', LIMITS.userAgent)}`
        : undefined;
    if (cacheKey) {
      const hit = cache!.get(cacheKey);
      // A clearance can lift a challenge, never a block: presenting one (even a forged one)
      // must not turn a cached block into a call to the runtime.
      if (hit && !(hit.action === 'challenge' && hasClearance(url, request.headers))) {
        return finish(request, hit, 'cache', 'cache', clientIp, facts, started);
      }
    }
    if (backoff.active() && !routeFailsClosed(pathname, request)) {
      const backingOff = { failure: 'rate_limited', message: 'backing off after 429' } as const;
      return fallback(request, pathname, backingOff, clientIp, facts, started);
    }

    const dueAt = realClock() + config.timeoutMs;
    const call = new CallAbort();
    // Set by the deadline; the abort itself follows a little later (abortSoon).
    const deadline = { passed: false };
    const work = async (): Promise<Outcome> => {
      let fields: Record<string, string> | undefined;
      if (options.fields) {
        try {
          fields = sanitizeFields(await options.fields(request), logger);
        } catch (err) {
          logger.warn({ err }, 'esper: fields callback failed; sending no tenant fields');
        }
      }
      const body = buildRequestBody({
        request,
        url,
        path: pathname,
        clientIp,
        fields,
        geo: facts?.geo,
        requestId: facts?.requestId,
        idempotencyKey: randomId(),
        observedAt: now(),
        source,
      });
      return ask(serializeBody(body), call, dueAt, deadline);
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The deadline or the answer, whichever comes first; a late failure of `work` lands on a
    // settled promise, so it can never become an unhandled rejection.
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      timer = setTimeout(() => {
        deadline.passed = true;
        resolve(timedOut);
        abortSoon(call);
      }, config.timeoutMs);
      work().then(resolve, reject);
    });
    clearTimeout(timer);

    if ('failure' in outcome) {
      return fallback(request, pathname, outcome, clientIp, facts, started);
    }
    const { answer } = outcome;
    if (answer.droppedHeaders) {
      logger.warn(
        { headers: answer.droppedHeaders },
        'esper: runtime header values dropped (not valid field values)',
      );
    }
    const decision = finish(request, answer, 'remote', 'runtime', clientIp, facts, started);
    logger.debug(
      {
        action: decision.action,
        mode: decision.mode,
        decisionId: decision.decisionId,
        latencyMs: decision.latencyMs,
      },
      'esper: decision',
    );
    if (cacheKey) {
      // Only an answer the runtime says is about the client (not this path or query) may be
      // reused for the client's other requests, and those of everyone behind its IP and UA.
      const cacheable =
        answer.ttlSeconds > 0 &&
        answer.cacheScope === 'client' &&
        (answer.action !== 'allow' || (config.cache !== false && config.cache.cacheAllow));
      if (cacheable) {
        // A cookie the runtime set was meant for the client that asked; a cached copy served
        // to the same IP and user agent later does not repeat it.
        const responseHeaders = decision.responseHeaders.filter(([name]) => name !== 'set-cookie');
        const { cacheScope: _scope, droppedHeaders: _dropped, ...parts } = answer;
        cache!.set(cacheKey, { ...parts, responseHeaders }, answer.ttlSeconds * 1000);
      } else {
        // A fresh answer replaces whatever was cached for this client, even by nothing.
        cache!.delete(cacheKey);
      }
    }
    return decision;
  }

  function screenFailed(rawPath: string, error: unknown, request?: Request): Decision {
    const subject = request ?? requestFor(rawPath);
    const message = error instanceof Error ? error.message : String(error);
    const pathname = routePath(rawPath, config.routing);
    const failure = { failure: 'internal', message } as const;
    return fallback(subject, pathname, failure, undefined, undefined, clock());
  }

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
        const message = err instanceof Error ? err.message : String(err);
        const failure = { failure: 'internal', message } as const;
        const routed = routePath(pathname, config.routing);
        return fallback(request, routed, failure, undefined, facts, started);
      }
    },
    screenFailed,
    async respond(decision, given) {
      const request = given ?? placeholderRequest();
      if (!decision.enforced) return clearanceRedirect(decision, request);
      if (decision.reason === 'invalid_request') return badRequestResponse(decision);
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
    },
    decorate: decorateResponse,
    upstreamHeaders,
    failsClosed(pathname, request) {
      if (config.mode === 'monitor') return false;
      return routeFailsClosed(routePath(pathname, config.routing), request ?? requestFor(pathname));
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
