/**
 * Clearance tokens: what a browser gets for solving a challenge, and shows on later requests
 * (the `esper_clearance` cookie or query parameter, forwarded by the SDK as `clearance`).
 *
 *   v1.<base64url(payload JSON)>.<base64url(HMAC-SHA256(secret, "esper-clearance-v1." + payload part))>
 *   payload = { "t": tenant_id, "d": decision_id, "b": binding, "i": issued_at, "e": expires_at }
 *   binding = base64url(SHA-256(client_ip "\n" user_agent))   (seconds since the epoch for i, e)
 *
 * The binding is a hash so the token stays short (the SDK sends at most 1024 characters) and
 * does not carry the user agent around. The secret never leaves the runtime.
 */
import { timingSafeEqual } from 'node:crypto';

const PREFIX = 'v1';
const CONTEXT = 'esper-clearance-v1.';
/** The SDK never forwards a longer clearance; anything longer is not ours. */
export const MAX_TOKEN_LENGTH = 1024;
const B64URL = /^[A-Za-z0-9_-]+$/;

const encoder = new TextEncoder();

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!B64URL.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

export interface ClientBinding {
  clientIp?: string | undefined;
  userAgent?: string | undefined;
}

/** SHA-256 of the client's IP and user agent; an absent value binds to "absent". */
export async function bindingOf(client: ClientBinding): Promise<string> {
  const text = `${client.clientIp ?? ''}\n${client.userAgent ?? ''}`;
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
}

export interface ClearanceClaims {
  tenantId: string;
  decisionId: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export type ClearanceCheck =
  | { ok: true; claims: ClearanceClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'wrong_tenant' | 'rebound' };

export interface ClearanceSigner {
  issue(claims: ClearanceClaims, client: ClientBinding): Promise<string>;
  verify(
    token: string,
    expected: { tenantId: string; nowSeconds: number } & ClientBinding,
  ): Promise<ClearanceCheck>;
}

/** `secret`: at least 32 bytes; the runtime draws a random one unless told otherwise. */
export async function createClearanceSigner(
  secret: Uint8Array<ArrayBuffer>,
): Promise<ClearanceSigner> {
  if (secret.byteLength < 32) throw new Error('the clearance secret needs at least 32 bytes');
  const key = await crypto.subtle.importKey(
    'raw',
    secret,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  return {
    async issue(claims, client) {
      const payload = {
        t: claims.tenantId,
        d: claims.decisionId,
        b: await bindingOf(client),
        i: claims.issuedAt,
        e: claims.expiresAt,
      };
      const part = base64url(encoder.encode(JSON.stringify(payload)));
      const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(CONTEXT + part));
      return `${PREFIX}.${part}.${base64url(new Uint8Array(mac))}`;
    },

    async verify(token, expected) {
      if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== PREFIX) return { ok: false, reason: 'malformed' };
      const [, part, macText] = parts as [string, string, string];
      const mac = fromBase64url(macText);
      if (!mac || !B64URL.test(part)) return { ok: false, reason: 'malformed' };
      // The signature is checked before the payload is even parsed; crypto.subtle.verify
      // compares in constant time.
      const valid = await crypto.subtle.verify('HMAC', key, mac, encoder.encode(CONTEXT + part));
      if (!valid) return { ok: false, reason: 'bad_signature' };
      const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as {
        t: string;
        d: string;
        b: string;
        i: number;
        e: number;
      };
      if (!(payload.e > expected.nowSeconds)) return { ok: false, reason: 'expired' };
      if (payload.t !== expected.tenantId) return { ok: false, reason: 'wrong_tenant' };
      const want = Buffer.from(await bindingOf(expected));
      const got = Buffer.from(payload.b);
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        return { ok: false, reason: 'rebound' };
      }
      return {
        ok: true,
        claims: {
          tenantId: payload.t,
          decisionId: payload.d,
          issuedAt: payload.i,
          expiresAt: payload.e,
        },
      };
    },
  };
}
