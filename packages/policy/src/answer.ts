/**
 * The protocol v1 answer (the runtime's 200 body) of a policy decision. The runtime (cloud) and
 * `@esper/hybrid` (local) both build their answers here, from the same `encodeFields` and the
 * same engine, so the two modes cannot drift. What needs a platform or a secret (verifying a
 * clearance token, the challenge page's URL, remembering the challenge) stays with the caller
 * and comes in as plain facts.
 */
import type { CacheScope } from './cache-scope.js';
import type { Decision } from './evaluate.js';
import type { Action, Mode } from './outcomes.js';

/** A clearance token the caller has verified (signature, expiry, tenant, client binding). */
export interface AnswerClearance {
  /** Name of the cookie and query parameter that carry it (core's `CLEARANCE_NAME`). */
  name: string;
  /** The token as the body carried it (`body.clearance`). */
  token: string;
  /** When it expires, in Unix seconds. */
  expiresAt: number;
}

export interface BuildAnswerOptions {
  decisionId: string;
  /** The caller's clock, in milliseconds: the cookie's `Max-Age` counts from it. */
  nowMs: number;
  /** `ttl_seconds` by action. Challenges and monitor answers always get 0. Default 0. */
  ttlSeconds?: { allow?: number; block?: number };
  /** The body's clearance, when the caller verified it. */
  clearance?: AnswerClearance;
  /** Why the body's clearance was refused (`expired`, `bad_signature`…), for `reason`. */
  clearanceRefused?: string;
  /**
   * The challenge page for this decision. Unset: a challenge answer has no `challenge` field,
   * and the caller fills it (the runtime points at its own origin's page).
   */
  challengeUrl?: string;
}

/** The v1 answer object (docs/protocol.md, "Response (200)"). */
export interface PolicyAnswer {
  decision_id: string;
  action: Action;
  mode: Mode;
  policy_id: string | null;
  mitigation_id: string | null;
  reason: string;
  ttl_seconds: number;
  cache_scope: CacheScope;
  challenge?: { url: string } | null;
  response_headers: Array<[string, string]>;
  upstream_headers: Array<[string, string]>;
}

/** The parts of the wire body (docs/protocol.md) the answer reads. */
export interface AnswerRequestBody {
  request: {
    scheme?: string;
    query?: string;
    redacted_headers?: { cookie?: { names?: readonly string[] } };
  };
}

/** A solved challenge clears challenges only: a block stays a block, a monitor stays a monitor. */
export function clearanceWaives(decision: Decision, clearanceValid: boolean): boolean {
  return clearanceValid && decision.action === 'challenge' && decision.mode === 'live';
}

/** The v1 answer of `decision` for the request in `body`. Pure: no clock, no randomness. */
export function buildAnswer(
  decision: Decision,
  body: AnswerRequestBody,
  options: BuildAnswerOptions,
): PolicyAnswer {
  const { clearance } = options;
  const cleared = clearanceWaives(decision, clearance !== undefined);
  const monitor = decision.mode === 'monitor';
  // Monitor answers say what would have happened; the SDK records them and never enforces.
  const action = cleared ? 'allow' : monitor ? (decision.would_action ?? 'allow') : decision.action;
  const refused =
    options.clearanceRefused === undefined
      ? ''
      : `; clearance refused (${options.clearanceRefused})`;
  const ttl = options.ttlSeconds ?? {};
  return {
    decision_id: options.decisionId,
    action,
    mode: decision.mode,
    policy_id: decision.policy_id ?? decision.rule_id ?? null,
    mitigation_id: decision.mitigation_id,
    reason: (cleared ? `clearance valid; waived: ${decision.reason}` : decision.reason) + refused,
    // Challenges and monitor answers are never cached: the next request must be seen again.
    ttl_seconds: action === 'challenge' || monitor ? 0 : (ttl[action] ?? 0),
    // A waived challenge rests on this request's clearance token, not on the client key.
    cache_scope: cleared ? 'request' : decision.cache_scope,
    ...challengeOf(action, options.challengeUrl),
    response_headers:
      clearance && action === 'allow' ? clearanceCookie(body, clearance, options.nowMs) : [],
    upstream_headers: [],
  };
}

function challengeOf(action: Action, url: string | undefined): Pick<PolicyAnswer, 'challenge'> {
  if (action !== 'challenge') return { challenge: null };
  return url === undefined ? {} : { challenge: { url } };
}

/**
 * Hands the token over as a cookie when it came in the URL (just back from the challenge) or is
 * not a cookie yet, so later requests carry it without the query parameter.
 */
function clearanceCookie(
  body: AnswerRequestBody,
  clearance: AnswerClearance,
  nowMs: number,
): Array<[string, string]> {
  const { request } = body;
  const inQuery =
    request.query !== undefined && new URLSearchParams(request.query).has(clearance.name);
  const inCookie = request.redacted_headers?.cookie?.names?.includes(clearance.name) ?? false;
  if (!inQuery && inCookie) return [];
  const maxAge = Math.max(0, clearance.expiresAt - Math.floor(nowMs / 1000));
  const secure = request.scheme === 'https' ? '; Secure' : '';
  const cookie = `${clearance.name}=${clearance.token}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax${secure}`;
  return [['set-cookie', cookie]];
}
