/**
 * Challenge tickets: how a challenge decided by a hybrid runtime reaches this origin's page.
 * The origin never saw that decision, so the edge's challenge URL carries what the origin
 * would have remembered from it, signed with the edge's API key (HMAC-SHA256 with its secret,
 * which the origin holds too):
 *
 *   GET /challenge?d=<decision_id>&ticket=<base64url(payload JSON)>.<base64url(HMAC)>
 *   HMAC    = HMAC-SHA256(api key secret, "esper-challenge-v1." + payload part)
 *   payload = { "t": tenant_id, "d": decision_id, "i": issued_at (s), "c"?: client_ip, "u"?: user_agent }
 *
 * A valid ticket makes the challenge pending exactly as a cloud decision would (same client
 * binding, same difficulty, same expiry counted from `i`); from there the page, the proof of
 * work and the clearance are the cloud flow. The ticket names no key: the origin tries the
 * keys of tenant `t`, so no key id is shown to browsers. Docs: docs/hybrid.md, "Challenges".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PolicyRuntime } from '../policy-runtime.js';
import type { PendingChallenge } from './challenge-store.js';

const CONTEXT = 'esper-challenge-v1.';
/** A client IP, a 768-character user agent and ids fit well under this. */
export const MAX_TICKET_LENGTH = 4096;
/** A ticket issued this far in the future (edge clock ahead of origin's) is still taken. */
const SKEW_SECONDS = 60;
const B64URL = /^[A-Za-z0-9_-]+$/;

interface TicketPayload {
  t: string;
  d: string;
  i: number;
  c?: string;
  u?: string;
}

function parse(part: string): TicketPayload | undefined {
  try {
    const p = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as TicketPayload;
    const optional = (v: unknown) => v === undefined || typeof v === 'string';
    const ok =
      typeof p === 'object' &&
      p !== null &&
      typeof p.t === 'string' &&
      typeof p.d === 'string' &&
      Number.isInteger(p.i) &&
      optional(p.c) &&
      optional(p.u);
    return ok ? p : undefined;
  } catch {
    return undefined;
  }
}

/** Whether one of `tenantId`'s API keys made `mac` over the payload part. */
function signedByTenant(runtime: PolicyRuntime, tenantId: string, part: string, mac: Buffer) {
  if (mac.length !== 32) return false;
  let found = false;
  for (const key of runtime.keys.values()) {
    if (key.tenantId !== tenantId) continue;
    const want = createHmac('sha256', key.secret)
      .update(CONTEXT + part)
      .digest();
    // Every key is tried, so the time taken does not say which one matched.
    if (timingSafeEqual(want, mac)) found = true;
  }
  return found;
}

/**
 * The pending challenge a ticket describes, added to the store, or undefined when the ticket
 * is malformed, forged, for another decision, expired, or its challenge was already solved.
 * Synchronous, like the verify route's checks.
 */
export function admitTicket(
  runtime: PolicyRuntime,
  decisionId: string,
  ticket: string,
  returnUrl: string | undefined,
): PendingChallenge | undefined {
  if (ticket.length > MAX_TICKET_LENGTH) return undefined;
  const [part, macText, extra] = ticket.split('.');
  if (extra !== undefined || !part || !macText) return undefined;
  if (!B64URL.test(part) || !B64URL.test(macText)) return undefined;
  const payload = parse(part);
  if (!payload || payload.d !== decisionId) return undefined;
  if (!signedByTenant(runtime, payload.t, part, Buffer.from(macText, 'base64url'))) {
    return undefined;
  }
  const nowMs = runtime.now();
  const expiresAt = (payload.i + runtime.challenge.challengeTtlSeconds) * 1000;
  if (payload.i * 1000 > nowMs + SKEW_SECONDS * 1000 || expiresAt <= nowMs) return undefined;
  // One ticket, one solution: a challenge solved (or still pending) is not made again.
  if (runtime.challenges.known(decisionId, nowMs)) return undefined;
  if (!runtime.tenants.get(payload.t)) return undefined;
  return runtime.challenges.add({
    decisionId,
    tenantId: payload.t,
    clientIp: payload.c,
    userAgent: payload.u,
    returnUrl: returnUrl ?? '',
    difficulty: runtime.challenge.difficulty,
    expiresAt,
  });
}
