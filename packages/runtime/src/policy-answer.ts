/**
 * The answer of a tenant's real policies: verify the clearance, encode the fields with what
 * the verified API key says (never the body), evaluate, then shape the protocol answer.
 */
import { CLEARANCE_NAME } from '@esper/core';
import { encodeFields } from '@esper/policy';
import type { PolicyRuntime } from './policy-runtime.js';
import { newDecisionId } from './protocol/answers.js';
import type { MitigationBody, RuntimeDecision, RuntimeKey } from './protocol/types.js';
import type { TenantState } from './tenants/tenant-state.js';

function clearanceInQuery(query: string | undefined): boolean {
  return query !== undefined && new URLSearchParams(query).has(CLEARANCE_NAME);
}

function clearanceInCookie(body: MitigationBody): boolean {
  return body.request.redacted_headers?.cookie?.names?.includes(CLEARANCE_NAME) ?? false;
}

export async function policyAnswer(
  runtime: PolicyRuntime,
  tenant: TenantState,
  body: MitigationBody,
  key: RuntimeKey,
): Promise<RuntimeDecision> {
  const nowMs = runtime.now();
  const request = body.request;
  const client = { clientIp: request.client_ip, userAgent: request.user_agent };

  let clearance: { expiresAt: number } | undefined;
  let refused = '';
  if (typeof body.clearance === 'string') {
    const signer = await runtime.clearanceSigner();
    const check = await signer.verify(body.clearance, {
      tenantId: tenant.id,
      nowSeconds: Math.floor(nowMs / 1000),
      ...client,
    });
    if (check.ok) clearance = check.claims;
    else refused = `; clearance refused (${check.reason})`;
  }

  const fields = encodeFields(body, {
    source_id: key.sourceId,
    trust_level: key.trustLevel,
    clearance_valid: clearance !== undefined,
  });
  const decision = await tenant.engine.evaluate(fields);

  // A solved challenge clears challenges only: a block stays a block.
  const cleared =
    clearance !== undefined && decision.action === 'challenge' && decision.mode === 'live';
  const monitor = decision.mode === 'monitor';
  // Monitor answers say what would have happened; the SDK records them and never enforces.
  const action = cleared ? 'allow' : monitor ? (decision.would_action ?? 'allow') : decision.action;
  tenant.count(decision, action, cleared);

  const answer: RuntimeDecision = {
    action,
    mode: decision.mode,
    decision_id: newDecisionId(),
    policy_id: decision.policy_id ?? decision.rule_id ?? null,
    mitigation_id: decision.mitigation_id,
    reason: (cleared ? `clearance valid; waived: ${decision.reason}` : decision.reason) + refused,
    // Challenges and monitor answers are never cached: the next request must be seen again.
    ttl_seconds: action === 'challenge' || monitor ? 0 : runtime.decisionTtl[action],
    // A waived challenge rests on this request's clearance token, not on the client key.
    cache_scope: cleared ? 'request' : decision.cache_scope,
  };

  if (action === 'challenge' && !monitor) {
    runtime.challenges.add({
      decisionId: answer.decision_id!,
      tenantId: tenant.id,
      ...client,
      returnUrl: body.return_url,
      difficulty: runtime.challenge.difficulty,
      expiresAt: nowMs + runtime.challenge.challengeTtlSeconds * 1000,
    });
  }

  // Hand the token over as a cookie when it came in the URL (just back from the challenge) or
  // is not a cookie yet, so later requests carry it without the query parameter.
  if (
    clearance &&
    action === 'allow' &&
    (clearanceInQuery(request.query) || !clearanceInCookie(body))
  ) {
    const maxAge = Math.max(0, clearance.expiresAt - Math.floor(nowMs / 1000));
    const secure = request.scheme === 'https' ? '; Secure' : '';
    answer.response_headers = [
      [
        'set-cookie',
        `${CLEARANCE_NAME}=${body.clearance}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax${secure}`,
      ],
    ];
  }
  runtime.logger.debug?.(`tenant ${tenant.id}: ${action} (${answer.reason})`);
  return answer;
}
