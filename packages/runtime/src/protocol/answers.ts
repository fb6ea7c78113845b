/** The v1 response bodies: a decision with its protocol defaults, and an error. */
import { randomBytes } from 'node:crypto';
import type { RuntimeDecision } from './types.js';

let counter = 0;

/** Unique across runtimes in one process, and sortable by creation like real decision ids. */
export function newDecisionId(): string {
  counter += 1;
  return `dec_mock_${Date.now().toString(36)}_${counter.toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** The v1 response body for a decision, with protocol defaults filled in. */
export function decisionBody(answer: RuntimeDecision, origin: string): Record<string, unknown> {
  const decisionId = answer.decision_id ?? newDecisionId();
  let challenge = answer.challenge ?? null;
  if (answer.action === 'challenge' && answer.challenge === undefined) {
    challenge = { url: `${origin}/challenge?d=${encodeURIComponent(decisionId)}` };
  }
  return {
    decision_id: decisionId,
    action: answer.action,
    mode: answer.mode ?? 'live',
    policy_id: answer.policy_id ?? null,
    mitigation_id: answer.mitigation_id ?? null,
    reason: answer.reason ?? `mock ${answer.action}`,
    ttl_seconds: answer.ttl_seconds ?? 0,
    // Absent unless set: an older runtime never sends it, and clients must cope with that.
    ...(answer.cache_scope !== undefined && { cache_scope: answer.cache_scope }),
    challenge,
    response_headers: answer.response_headers ?? [],
    upstream_headers: answer.upstream_headers ?? [],
  };
}

export function errorBody(code: string, message: string, path?: string): string {
  return JSON.stringify({
    error: path === undefined ? { code, message } : { code, message, path },
  });
}
