import type { ResolvedConfig } from './config.js';
import type { Decision, DecisionAction, RuntimeAnswer } from './decision.js';
import type { Logger } from './logger.js';
import type { ProtectFacts } from './protect-facts.js';
import type { Failure } from './runtime-call.js';
import type { DecisionCounter } from './stats.js';

/** What a decision says, before the client adds where it came from and how long it took. */
export type DecisionParts = Omit<RuntimeAnswer, 'mode' | 'cacheScope' | 'droppedHeaders'> & {
  mode?: Decision['mode'];
  status?: number;
};

export const noAnswer = (action: DecisionAction): DecisionParts => ({
  action,
  message: undefined,
  status: undefined,
  ttlSeconds: 0,
  responseHeaders: [],
  upstreamHeaders: [],
});

const DONE: Promise<void> = Promise.resolve();

export interface AssemblerDeps {
  config: ResolvedConfig;
  logger: Logger;
  counter: DecisionCounter;
  clock: () => number;
  onDecision?: (decision: Decision, request: Request) => void | Promise<void>;
  /** Said once a minute at most when failing open with no logger configured. */
  noticeFailOpen?: (reason: string) => void;
  failsClosed(pathname: string, request: Request): boolean;
}

/** Turns parts (an answer, a cached answer, no answer) into the `Decision` adapters apply. */
export function createAssembler(deps: AssemblerDeps) {
  const { config, logger, counter, clock, onDecision } = deps;

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
    if (onDecision) runHook(decision, request, facts);
    return decision;
  }

  function runHook(decision: Decision, request: Request, facts: ProtectFacts | undefined) {
    decision.pending = Promise.resolve()
      .then(() => onDecision!(decision, request))
      .catch((err: unknown) => logger.warn({ err }, 'esper: onDecision hook failed'));
    try {
      facts?.waitUntil?.(decision.pending);
    } catch (err) {
      // Some platforms throw from waitUntil outside a request; the work still runs.
      logger.warn({ err }, 'esper: waitUntil refused the background work');
    }
  }

  /** The SDK decides alone: open or closed as the route says, logged and counted. */
  function fallback(
    request: Request,
    pathname: string,
    failure: Failure,
    clientIp: string | undefined,
    facts: ProtectFacts | undefined,
    started: number,
  ): Decision {
    const closed = deps.failsClosed(pathname, request);
    const action: DecisionAction = closed ? 'block' : 'allow';
    if (!closed && config.mode === 'live') deps.noticeFailOpen?.(failure.failure);
    const level = failure.status === 400 || failure.status === 401 ? 'error' : 'warn';
    logger[level](
      { reason: failure.failure, status: failure.status, detail: failure.message, action },
      `esper: no decision from the runtime (${failure.failure}); failing ${closed ? 'closed' : 'open'}`,
    );
    const parts = noAnswer(action);
    parts.message = failure.message;
    parts.status = failure.status;
    return finish(request, parts, 'fallback', failure.failure, clientIp, facts, started);
  }

  return { finish, fallback };
}

export type Assembler = ReturnType<typeof createAssembler>;
