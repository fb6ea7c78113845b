/**
 * The page a local challenge sends the browser to: origin's hosted challenge page, as a cloud
 * challenge does. Origin never saw this decision, so the URL carries a ticket with what origin
 * would have remembered of it (tenant, decision id, the client the clearance will be bound to,
 * when), signed with this runtime's API key secret, which origin holds too:
 *
 *   {apiBase}/challenge?d=<decision_id>&ticket=<base64url(payload JSON)>.<base64url(HMAC)>
 *   HMAC    = HMAC-SHA256(secret, "esper-challenge-v1." + payload part)
 *   payload = { "t": tenant_id, "d": decision_id, "i": issued_at (s), "c"?: client_ip, "u"?: user_agent }
 *
 * Origin checks the ticket, makes the challenge pending, and from then on the page, the proof of
 * work and the clearance are exactly the cloud flow (docs/hybrid.md, "Challenges").
 */
import type { RuntimeRequestBody } from '@esper/core';
import { toBase64url } from './clearance.js';

const CONTEXT = 'esper-challenge-v1.';
export const CHALLENGE_PATH = '/challenge';

interface HmacSubtle {
  importKey(
    format: 'raw',
    key: Uint8Array,
    algorithm: { name: string; hash: string },
    extractable: boolean,
    usages: Array<'sign'>,
  ): Promise<object>;
  sign(algorithm: string, key: object, data: Uint8Array): Promise<ArrayBuffer>;
}

export type ChallengePage = (
  decisionId: string,
  body: RuntimeRequestBody,
  tenantId: string,
  nowMs: number,
) => Promise<string>;

/** Origin's page for local challenges; the HMAC key is imported once, on first use. */
export function originChallengePage(
  apiBase: URL,
  secret: string,
  crypto: { readonly subtle: object },
): ChallengePage {
  const subtle = crypto.subtle as HmacSubtle;
  const encoder = new TextEncoder();
  let key: Promise<object> | undefined;
  const prefix = apiBase.pathname.replace(/\/+$/, '');
  return async (decisionId, body, tenantId, nowMs) => {
    key ??= subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const payload: Record<string, unknown> = {
      t: tenantId,
      d: decisionId,
      i: Math.floor(nowMs / 1000),
    };
    if (body.request.client_ip !== undefined) payload.c = body.request.client_ip;
    if (body.request.user_agent !== undefined) payload.u = body.request.user_agent;
    const part = toBase64url(encoder.encode(JSON.stringify(payload)));
    const mac = await subtle.sign('HMAC', await key, encoder.encode(CONTEXT + part));
    const url = new URL(`${prefix}${CHALLENGE_PATH}`, apiBase.origin);
    url.searchParams.set('d', decisionId);
    url.searchParams.set('ticket', `${part}.${toBase64url(new Uint8Array(mac))}`);
    return url.href;
  };
}
