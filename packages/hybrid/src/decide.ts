/**
 * One local decision: the wire body encoded exactly as the runtime encodes it (`encodeFields`),
 * evaluated by the snapshot's engine, shaped by the runtime's own answer builder
 * (`buildAnswer`). The caller passes one snapshot, read once, so a swap mid-request cannot mix
 * two configurations in one decision. The event the decision is reported with is captured by the
 * caller (`eventRecord`), only when events are reported.
 *
 * Clearances are checked as the runtime checks them in cloud mode (`policy-answer.ts`), with the
 * snapshot's public keys (`clearance.ts`): a valid token sets `clearance_valid`, waives a live
 * challenge and is handed over as a cookie; a refused one adds `clearance refused (<why>)` to the
 * reason. A challenge left standing points at origin's hosted page (`clearance-challenge.ts`)
 * unless the user gave a page of their own.
 */
import { CLEARANCE_NAME, type RuntimeRequestBody } from '@esper/core';
import { type AnswerClearance, buildAnswer, encodeFields, type PolicyAnswer } from '@esper/policy';
import { type SubtleHolder, verifierFor } from './clearance.js';
import type { ChallengePage } from './clearance-challenge.js';
import type { LoadedSnapshot } from './snapshot.js';

export interface DecideDeps {
  crypto: SubtleHolder;
  /** Origin's hosted page, for challenges the user's `challengeUrl` leaves without a page. */
  originPage?: ChallengePage | undefined;
}

interface ClearanceFacts {
  clearance?: AnswerClearance;
  refused?: string;
}

async function verifyClearance(
  loaded: LoadedSnapshot,
  body: RuntimeRequestBody,
  nowMs: number,
  crypto: SubtleHolder,
): Promise<ClearanceFacts> {
  if (typeof body.clearance !== 'string') return {};
  const verifier = await verifierFor(loaded.snapshot, crypto);
  const check = await verifier.verify(body.clearance, {
    tenantId: loaded.snapshot.tenant_id,
    nowSeconds: Math.floor(nowMs / 1000),
    clientIp: body.request.client_ip,
    userAgent: body.request.user_agent,
  });
  if (!check.ok) return { refused: check.reason };
  return {
    clearance: { name: CLEARANCE_NAME, token: body.clearance, expiresAt: check.claims.expiresAt },
  };
}

export async function decideWith(
  loaded: LoadedSnapshot,
  body: RuntimeRequestBody,
  decisionId: string,
  nowMs: number,
  challengeUrl: string | undefined,
  deps?: DecideDeps,
): Promise<PolicyAnswer> {
  const { clearance, refused } = deps
    ? await verifyClearance(loaded, body, nowMs, deps.crypto)
    : {};
  const fields = encodeFields(body, {
    ...loaded.keyContext,
    clearance_valid: clearance !== undefined,
  });
  const decision = await loaded.engine.evaluate(fields);
  const answer = buildAnswer(decision, body, {
    decisionId,
    nowMs,
    challengeUrl,
    clearance,
    clearanceRefused: refused,
  });
  const live = answer.action === 'challenge' && answer.mode === 'live';
  if (live && answer.challenge === undefined && deps?.originPage) {
    const url = await deps.originPage(decisionId, body, loaded.snapshot.tenant_id, nowMs);
    answer.challenge = { url };
  }
  return answer;
}
