import { type Assembler, type DecisionParts, noAnswer } from './assemble.js';
import type { Backoff } from './backoff.js';
import type { DecisionCache } from './cache.js';
import { CallAbort } from './call-abort.js';
import { realClock } from './clock.js';
import type { EsperOptions, ResolvedConfig } from './config.js';
import {
  buildRequestBody,
  CLEARANCE_NAME,
  LIMITS,
  type RuntimeRequestBody,
  sanitizeFields,
  serializeBody,
} from './context.js';
import { type Decision, type RuntimeAnswer, runtimeAnswerFrom } from './decision.js';
import { normalizeIp } from './ip.js';
import type { LocalDecider } from './local-decider.js';
import type { Logger } from './logger.js';
import { scheduleAbort } from './process-abort-queue.js';
import type { ProtectFacts } from './protect-facts.js';
import type { RouteChecks } from './route-checks.js';
import { hasAmbiguousSlash, hasDotSegment, type Routing, routePath } from './routes.js';
import type { Failure, Outcome, RuntimeCall } from './runtime-call.js';
import { keepStart } from './truncate.js';

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

export interface DecideDeps {
  config: ResolvedConfig;
  logger: Logger;
  assembler: Assembler;
  routes: RouteChecks;
  ask: RuntimeCall;
  backoff: Backoff;
  cache: DecisionCache<DecisionParts> | undefined;
  fields: EsperOptions['fields'];
  now: () => number;
  randomId: () => string;
  source: RuntimeRequestBody['source'];
  /** Hybrid mode: decides in process instead of calling the runtime. */
  decider?: LocalDecider;
  timedOut: Failure;
}

type Work = (call: CallAbort, dueAt: number, deadline: { passed: boolean }) => Promise<Outcome>;

/** Sets out one runtime call: the deadline or the answer, whichever comes first. */
async function askInTime(deps: DecideDeps, work: Work): Promise<Outcome> {
  const { config, timedOut } = deps;
  const dueAt = realClock() + config.timeoutMs;
  const call = new CallAbort();
  // Set by the deadline; the abort itself follows a little later (scheduleAbort).
  const deadline = { passed: false };
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A late failure of the work lands on a settled promise: never an unhandled rejection.
  const outcome = await new Promise<Outcome>((resolve, reject) => {
    timer = setTimeout(() => {
      deadline.passed = true;
      resolve(timedOut);
      scheduleAbort(call);
    }, config.timeoutMs);
    work(call, dueAt, deadline).then(resolve, reject);
  });
  clearTimeout(timer);
  return outcome;
}

async function tenantFields(
  deps: DecideDeps,
  request: Request,
): Promise<Record<string, string> | undefined> {
  try {
    return sanitizeFields(await deps.fields!(request), deps.logger);
  } catch (err) {
    deps.logger.warn({ err }, 'esper: fields callback failed; sending no tenant fields');
    return undefined;
  }
}

/** Builds, signs and sends the body; with no `fields` callback, all before the first await. */
function asker(
  deps: DecideDeps,
  request: Request,
  url: URL,
  path: string,
  clientIp: string | undefined,
  facts: ProtectFacts | undefined,
): Work {
  return async (call, dueAt, deadline) => {
    const fields = deps.fields ? await tenantFields(deps, request) : undefined;
    const body = buildRequestBody({
      request,
      url,
      path,
      clientIp,
      fields,
      geo: facts?.geo,
      requestId: facts?.requestId,
      idempotencyKey: deps.randomId(),
      observedAt: deps.now(),
      source: deps.source,
    });
    if (deps.decider) return askLocally(deps.decider, body, facts?.waitUntil);
    return deps.ask(serializeBody(body), call, dueAt, deadline);
  };
}

/** Hybrid mode: the local decider's answer, checked like the runtime's. */
async function askLocally(
  decider: LocalDecider,
  body: RuntimeRequestBody,
  waitUntil: ((promise: Promise<unknown>) => void) | undefined,
): Promise<Outcome> {
  let answer: unknown;
  try {
    answer = await decider.decide(body, waitUntil ? { waitUntil } : undefined);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A decider may name its failure (hybrid: `store_unavailable`); anything else is internal.
    const failure =
      (err as { failure?: unknown } | null)?.failure === 'store_unavailable'
        ? 'store_unavailable'
        : 'internal';
    return { failure, message: `local decider failed: ${message}` };
  }
  try {
    return { answer: runtimeAnswerFrom(answer), local: true };
  } catch (err) {
    return { failure: 'bad_response', message: (err as Error).message };
  }
}

/** Only an answer the runtime says is about the client may serve its other requests. */
function remember(deps: DecideDeps, key: string, answer: RuntimeAnswer, decision: Decision) {
  const { config, cache } = deps;
  const cacheable =
    answer.ttlSeconds > 0 &&
    answer.cacheScope === 'client' &&
    (answer.action !== 'allow' || (config.cache !== false && config.cache.cacheAllow));
  if (!cacheable) {
    // A fresh answer replaces whatever was cached for this client, even by nothing.
    cache!.delete(key);
    return;
  }
  // A cookie the runtime set was meant for the client that asked; a cached copy served to
  // the same IP and user agent later does not repeat it.
  const responseHeaders = decision.responseHeaders.filter(([name]) => name !== 'set-cookie');
  const { cacheScope: _scope, droppedHeaders: _dropped, ...parts } = answer;
  cache!.set(key, { ...parts, responseHeaders }, answer.ttlSeconds * 1000);
}

function answered(
  deps: DecideDeps,
  request: Request,
  { answer, local }: { answer: RuntimeAnswer; local?: true },
  ip: string | undefined,
  facts: ProtectFacts | undefined,
  started: number,
) {
  if (answer.droppedHeaders) {
    deps.logger.warn(
      { headers: answer.droppedHeaders },
      'esper: runtime header values dropped (not valid field values)',
    );
  }
  const decision = local
    ? deps.assembler.finish(request, answer, 'local', 'local', ip, facts, started)
    : deps.assembler.finish(request, answer, 'remote', 'runtime', ip, facts, started);
  deps.logger.debug(
    {
      action: decision.action,
      mode: decision.mode,
      decisionId: decision.decisionId,
      latencyMs: decision.latencyMs,
    },
    'esper: decision',
  );
  return decision;
}

/** Why routers would disagree on what a raw path names, or undefined when they would not. */
function ambiguity(rawPath: string, routing: Routing): string | undefined {
  if (hasDotSegment(rawPath)) return 'the path has a dot segment';
  if (routing.ambiguousSlashes === 'refuse' && hasAmbiguousSlash(rawPath))
    return 'the path has an empty segment or an encoded slash';
  return undefined;
}

/** The decide pipeline: route, cache, backoff, the runtime call under its deadline, the cache. */
export function createDecide(deps: DecideDeps) {
  const { config, routes, backoff, cache } = deps;
  const { finish, fallback } = deps.assembler;

  return async function decide(
    request: Request,
    facts: ProtectFacts | undefined,
    started: number,
  ): Promise<Decision> {
    const url = new URL(request.url);
    const rawPath = facts?.path ?? url.pathname;
    const unroutable = ambiguity(rawPath, config.routing);
    if (unroutable) {
      const refused = noAnswer('block');
      refused.status = 400;
      refused.message = unroutable;
      return finish(request, refused, 'fallback', 'invalid_request', undefined, facts, started);
    }
    const pathname = routePath(rawPath, config.routing);
    if (routes.skips(pathname, request)) {
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
    const hit = cacheKey ? cache!.get(cacheKey) : undefined;
    // A clearance can lift a challenge, never a block: presenting one (even a forged one) must
    // not turn a cached block into a call to the runtime.
    if (hit && !(hit.action === 'challenge' && hasClearance(url, request.headers))) {
      return finish(request, hit, 'cache', 'cache', clientIp, facts, started);
    }
    if (backoff.active() && !routes.failsClosed(pathname, request)) {
      const backingOff = { failure: 'rate_limited', message: 'backing off after 429' } as const;
      return fallback(request, pathname, backingOff, clientIp, facts, started);
    }
    const outcome = await askInTime(deps, asker(deps, request, url, pathname, clientIp, facts));
    if ('failure' in outcome) return fallback(request, pathname, outcome, clientIp, facts, started);
    const decision = answered(deps, request, outcome, clientIp, facts, started);
    if (cacheKey) remember(deps, cacheKey, outcome.answer, decision);
    return decision;
  };
}
