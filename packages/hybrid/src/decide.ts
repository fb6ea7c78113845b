/**
 * One local decision: the wire body encoded exactly as the runtime encodes it (`encodeFields`),
 * evaluated by the snapshot's engine, shaped by the runtime's own answer builder
 * (`buildAnswer`). The caller passes one snapshot, read once, so a swap mid-request cannot mix
 * two configurations in one decision.
 */
import type { RuntimeRequestBody } from '@esper/core';
import { buildAnswer, encodeFields, type PolicyAnswer } from '@esper/policy';
import type { HybridEvent } from './reporter.js';
import type { LoadedSnapshot } from './snapshot.js';

export interface LocalDecision {
  answer: PolicyAnswer;
  event: Omit<HybridEvent, 'event_id' | 'latency_us'>;
}

export async function decideWith(
  loaded: LoadedSnapshot,
  body: RuntimeRequestBody,
  decisionId: string,
  nowMs: number,
  challengeUrl: string | undefined,
): Promise<LocalDecision> {
  // Clearance tokens are verified with origin's secret, which no edge holds (yet): a token is
  // not counted as valid here, so a policy reading `clearance_valid` sees false.
  const fields = encodeFields(body, { ...loaded.keyContext, clearance_valid: false });
  const decision = await loaded.engine.evaluate(fields);
  const answer = buildAnswer(decision, body, { decisionId, nowMs, challengeUrl });
  return { answer, event: eventOf(body, answer) };
}

function eventOf(body: RuntimeRequestBody, answer: PolicyAnswer): LocalDecision['event'] {
  const { method, path, client_ip } = body.request;
  return {
    observed_at: body.observed_at,
    decision_id: answer.decision_id,
    action: answer.action,
    mode: answer.mode,
    ...(answer.policy_id !== null && { policy_id: answer.policy_id }),
    ...(answer.mitigation_id !== null && { mitigation_id: answer.mitigation_id }),
    request: { method, path, ...(client_ip !== undefined && { client_ip }) },
  };
}
