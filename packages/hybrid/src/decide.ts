/**
 * One local decision: the wire body encoded exactly as the runtime encodes it (`encodeFields`),
 * evaluated by the snapshot's engine, shaped by the runtime's own answer builder
 * (`buildAnswer`). The caller passes one snapshot, read once, so a swap mid-request cannot mix
 * two configurations in one decision. The event the decision is reported with is captured by the
 * caller (`eventRecord`), only when events are reported.
 */
import type { RuntimeRequestBody } from '@esper/core';
import { buildAnswer, encodeFields, type PolicyAnswer } from '@esper/policy';
import type { LoadedSnapshot } from './snapshot.js';

export async function decideWith(
  loaded: LoadedSnapshot,
  body: RuntimeRequestBody,
  decisionId: string,
  nowMs: number,
  challengeUrl: string | undefined,
): Promise<PolicyAnswer> {
  // Clearance tokens are verified with origin's secret, which no edge holds (yet): a token is
  // not counted as valid here, so a policy reading `clearance_valid` sees false.
  const fields = encodeFields(body, { ...loaded.keyContext, clearance_valid: false });
  const decision = await loaded.engine.evaluate(fields);
  return buildAnswer(decision, body, { decisionId, nowMs, challengeUrl });
}
