/**
 * The answer of a tenant's real policies: verify the clearance, encode the fields with what
 * the verified API key says (never the body), evaluate, then shape the protocol answer with
 * `@esper/policy`'s `buildAnswer`, the builder `@esper/hybrid` uses too. What only a runtime
 * has stays here: the clearance secret, the challenge store, and the challenge page on this
 * origin (`decisionBody` fills its URL).
 */
import { CLEARANCE_NAME } from '@esper/core';
import { type AnswerClearance, buildAnswer, clearanceWaives, encodeFields } from '@esper/policy';
import type { PolicyRuntime } from './policy-runtime.js';
import { newDecisionId } from './protocol/answers.js';
import type { MitigationBody, RuntimeDecision, RuntimeKey } from './protocol/types.js';
import type { TenantState } from './tenants/tenant-state.js';

interface ClearanceFacts {
  clearance?: AnswerClearance;
  refused?: string;
}

async function verifyClearance(
  runtime: PolicyRuntime,
  tenant: TenantState,
  body: MitigationBody,
  nowMs: number,
): Promise<ClearanceFacts> {
  if (typeof body.clearance !== 'string') return {};
  const signer = await runtime.clearanceSigner();
  const check = await signer.verify(body.clearance, {
    tenantId: tenant.id,
    nowSeconds: Math.floor(nowMs / 1000),
    clientIp: body.request.client_ip,
    userAgent: body.request.user_agent,
  });
  if (!check.ok) return { refused: check.reason };
  return {
    clearance: { name: CLEARANCE_NAME, token: body.clearance, expiresAt: check.claims.expiresAt },
  };
}

export async function policyAnswer(
  runtime: PolicyRuntime,
  tenant: TenantState,
  body: MitigationBody,
  key: RuntimeKey,
): Promise<RuntimeDecision> {
  const nowMs = runtime.now();
  const started = performance.now();
  const { clearance, refused } = await verifyClearance(runtime, tenant, body, nowMs);
  const fields = encodeFields(body, {
    source_id: key.sourceId,
    trust_level: key.trustLevel,
    clearance_valid: clearance !== undefined,
  });
  const decision = await tenant.engine.evaluate(fields);
  const answer = buildAnswer(decision, body, {
    decisionId: newDecisionId(),
    nowMs,
    ttlSeconds: runtime.decisionTtl,
    clearance,
    clearanceRefused: refused,
  });
  tenant.count(decision, answer.action, clearanceWaives(decision, clearance !== undefined), {
    clientIp: body.request.client_ip,
    latencyUs: Math.round((performance.now() - started) * 1000),
  });

  if (answer.action === 'challenge' && answer.mode === 'live') {
    runtime.challenges.add({
      decisionId: answer.decision_id,
      tenantId: tenant.id,
      clientIp: body.request.client_ip,
      userAgent: body.request.user_agent,
      returnUrl: body.return_url,
      difficulty: runtime.challenge.difficulty,
      expiresAt: nowMs + runtime.challenge.challengeTtlSeconds * 1000,
    });
  }
  runtime.logger.debug?.(`tenant ${tenant.id}: ${answer.action} (${answer.reason})`);
  return answer;
}
