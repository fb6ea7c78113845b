/**
 * Clearance tokens verified at the edge, with the public keys origin publishes in the snapshot
 * (`clearance_keys`, JWKs). Origin signs with a private key the edge never sees, so the edge
 * can tell a token origin issued from any other, but cannot issue one (docs/hybrid.md,
 * "Challenges"). The format, the checks and their order are the runtime's
 * (`@esper/runtime` issues tokens in challenge/clearance.ts and verifies them with this very
 * function), so both modes take or refuse a token alike, for the same reason:
 *
 *   v2.<kid>.<base64url(payload JSON)>.<base64url(ES256 signature, r || s)>
 *   signed text = "esper-clearance-v2." + kid + "." + payload part
 *   payload = { "t": tenant_id, "d": decision_id, "b": binding, "i": issued_at, "e": expires_at }
 *   binding = base64url(SHA-256(client_ip "\n" user_agent))
 *
 * One difference, on purpose: a token is taken up to `CLOCK_SKEW_SECONDS` past its expiry,
 * since the edge's clock is not origin's. Keys are imported once per snapshot (`verifierFor`).
 */
import type { ValidationError } from '@esper/policy';

/** A public verification key as the snapshot carries it. */
export interface ClearanceJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg?: 'ES256';
  use?: 'sig';
}

export type ClearanceRefusal =
  | 'malformed'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'wrong_tenant'
  | 'rebound';

export interface ClearanceClaims {
  tenantId: string;
  decisionId: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export type ClearanceCheck =
  | { ok: true; claims: ClearanceClaims }
  | { ok: false; reason: ClearanceRefusal };

export interface ClearanceExpectation {
  tenantId: string;
  nowSeconds: number;
  clientIp?: string | undefined;
  userAgent?: string | undefined;
}

export interface ClearanceVerifier {
  verify(token: string, expected: ClearanceExpectation): Promise<ClearanceCheck>;
}

/** The `crypto.subtle` calls this module makes (core's `WebCrypto` types only HMAC). */
type Bytes = ArrayBuffer | ArrayBufferView;
interface EcSubtle {
  importKey(
    format: 'jwk',
    key: object,
    algorithm: { name: string; namedCurve: string },
    extractable: boolean,
    usages: Array<'verify'>,
  ): Promise<object>;
  verify(
    algorithm: { name: string; hash: string },
    key: object,
    signature: Bytes,
    data: Bytes,
  ): Promise<boolean>;
  digest(algorithm: string, data: Bytes): Promise<ArrayBuffer>;
}
export interface SubtleHolder {
  readonly subtle: object;
}

/** How far past `e` a token is still taken: edge and origin clocks differ a little. */
export const CLOCK_SKEW_SECONDS = 30;
/** The SDK never forwards a longer clearance. */
const MAX_TOKEN_LENGTH = 1024;
const PREFIX = 'v2';
const CONTEXT = 'esper-clearance-v2.';
const B64URL = /^[A-Za-z0-9_-]+$/;
const encoder = new TextEncoder();

export function toBase64url(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!B64URL.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** SHA-256 of the client's IP and user agent, exactly as the runtime binds a token. */
export async function clientBinding(
  subtle: object,
  clientIp: string | undefined,
  userAgent: string | undefined,
): Promise<string> {
  const text = `${clientIp ?? ''}\n${userAgent ?? ''}`;
  const digest = await (subtle as EcSubtle).digest('SHA-256', encoder.encode(text));
  return toBase64url(new Uint8Array(digest));
}

/** Problems of a snapshot's `clearance_keys` (absent is fine: no token then verifies). */
export function clearanceKeyErrors(value: unknown): ValidationError[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [{ path: '$.clearance_keys', message: 'expected an array' }];
  const errors: ValidationError[] = [];
  value.forEach((key, i) => {
    const at = `$.clearance_keys[${i}]`;
    if (typeof key !== 'object' || key === null) {
      errors.push({ path: at, message: 'expected an object' });
      return;
    }
    const k = key as Record<string, unknown>;
    if (k.kty !== 'EC') errors.push({ path: `${at}.kty`, message: "expected 'EC'" });
    if (k.crv !== 'P-256') errors.push({ path: `${at}.crv`, message: "expected 'P-256'" });
    for (const name of ['x', 'y', 'kid'] as const) {
      if (typeof k[name] !== 'string' || !B64URL.test(k[name] as string))
        errors.push({ path: `${at}.${name}`, message: 'expected a base64url string' });
    }
  });
  return errors;
}

interface Payload {
  t: string;
  d: string;
  b: string;
  i: number;
  e: number;
}

function parsePayload(bytes: Uint8Array): Payload | undefined {
  try {
    const p = JSON.parse(new TextDecoder().decode(bytes)) as Payload;
    const ok =
      typeof p === 'object' &&
      p !== null &&
      typeof p.t === 'string' &&
      typeof p.d === 'string' &&
      typeof p.b === 'string' &&
      Number.isFinite(p.i) &&
      Number.isFinite(p.e);
    return ok ? p : undefined;
  } catch {
    return undefined;
  }
}

/** Equal strings, in time that depends on their length only. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * A verifier for `keys`. A key that does not import (not a point of the curve) is left out:
 * its tokens are `unknown_key`, like those of a key the snapshot does not list. The runtime
 * verifies with this too (`skewSeconds: 0`: it is the clock that issued the token).
 */
export async function createClearanceVerifier(
  keys: readonly ClearanceJwk[],
  crypto: SubtleHolder,
  { skewSeconds = CLOCK_SKEW_SECONDS }: { skewSeconds?: number } = {},
): Promise<ClearanceVerifier> {
  const subtle = crypto.subtle as EcSubtle;
  const imported = await Promise.allSettled(
    keys.map(async (k) => {
      const jwk = { kty: 'EC', crv: 'P-256', x: k.x, y: k.y };
      const alg = { name: 'ECDSA', namedCurve: 'P-256' };
      return [k.kid, await subtle.importKey('jwk', jwk, alg, false, ['verify'])] as const;
    }),
  );
  const byKid = new Map<string, object>();
  for (const r of imported) if (r.status === 'fulfilled') byKid.set(r.value[0], r.value[1]);

  return {
    async verify(token, expected) {
      if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
      const parts = token.split('.');
      if (parts.length !== 4 || parts[0] !== PREFIX) return { ok: false, reason: 'malformed' };
      const [, kid, part, sigText] = parts as [string, string, string, string];
      const sig = fromBase64url(sigText);
      const payloadBytes = fromBase64url(part);
      if (!sig || !payloadBytes || !B64URL.test(kid)) return { ok: false, reason: 'malformed' };
      const key = byKid.get(kid);
      if (!key) return { ok: false, reason: 'unknown_key' };
      // The signature first: nothing of an unsigned payload is read.
      const data = encoder.encode(`${CONTEXT}${kid}.${part}`);
      const valid = await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, data);
      if (!valid) return { ok: false, reason: 'bad_signature' };
      const payload = parsePayload(payloadBytes);
      if (!payload) return { ok: false, reason: 'malformed' };
      if (!(payload.e + skewSeconds > expected.nowSeconds)) {
        return { ok: false, reason: 'expired' };
      }
      if (payload.t !== expected.tenantId) return { ok: false, reason: 'wrong_tenant' };
      const binding = await clientBinding(subtle, expected.clientIp, expected.userAgent);
      if (!sameText(payload.b, binding)) return { ok: false, reason: 'rebound' };
      const claims = { tenantId: payload.t, decisionId: payload.d, issuedAt: payload.i };
      return { ok: true, claims: { ...claims, expiresAt: payload.e } };
    },
  };
}

const verifiers = new WeakMap<object, Promise<ClearanceVerifier>>();

/**
 * The verifier of one snapshot, made on first use and kept with it: keys are imported once per
 * snapshot, never per request, and a snapshot swap brings its own keys.
 */
export function verifierFor(
  snapshot: { clearance_keys?: readonly ClearanceJwk[] },
  crypto: SubtleHolder,
): Promise<ClearanceVerifier> {
  let verifier = verifiers.get(snapshot);
  if (!verifier) {
    verifier = createClearanceVerifier(snapshot.clearance_keys ?? [], crypto);
    verifiers.set(snapshot, verifier);
  }
  return verifier;
}
