/**
 * Request signing for protocol v1. The SDK and the runtime (and the mock runtime in
 * @esper/testing) both use this module, so the canonical form is defined once.
 *
 *   canonical = "ESPER-HMAC-SHA256-V1\n" + keyId + "\n" + METHOD + "\n" + path + "\n"
 *               + timestamp + "\n" + hex(sha256(body))
 *   signature = "v1=" + hex(hmac_sha256(secret, canonical))
 */

import type { WebSubtleCrypto } from './web-types.js';

export const SIGNATURE_SCHEME = 'ESPER-HMAC-SHA256-V1';
export const HEADER_API_KEY = 'x-esper-api-key' as const;
export const HEADER_TIMESTAMP = 'x-esper-timestamp' as const;
export const HEADER_SIGNATURE = 'x-esper-signature' as const;
export const HEADER_SDK = 'x-esper-sdk';
/** How far a request's timestamp may be from the verifier's clock. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

function toHex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes[i]!.toString(16).padStart(2, '0');
  return out;
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export async function sha256Hex(
  data: string | Uint8Array,
  subtle: WebSubtleCrypto = crypto.subtle,
) {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return toHex(await subtle.digest('SHA-256', bytes));
}

export interface CanonicalParts {
  keyId: string;
  method: string;
  /** Path and query exactly as sent, e.g. `/api/v1/runtime/mitigation`. */
  path: string;
  /** Unix time in whole seconds. */
  timestamp: number;
  bodySha256Hex: string;
}

export function canonicalString(p: CanonicalParts): string {
  return [
    SIGNATURE_SCHEME,
    p.keyId,
    p.method.toUpperCase(),
    p.path,
    String(p.timestamp),
    p.bodySha256Hex,
  ].join('\n');
}

/** Signed-request headers for one runtime call. */
// A type literal, not an interface, so it stays assignable to Record<string, string>.
export type SignedHeaders = {
  [HEADER_API_KEY]: string;
  [HEADER_TIMESTAMP]: string;
  [HEADER_SIGNATURE]: string;
};

/** Signs one runtime call. May be synchronous (node:crypto) or asynchronous (WebCrypto). */
export type Signer = (
  method: string,
  path: string,
  body: string,
  timestamp: number,
) => SignedHeaders | Promise<SignedHeaders>;

/** Builds the `Signer` for a key; called once per client. The secret must not leave the process. */
export type SignerFactory = (keyId: string, secret: string) => Signer | Promise<Signer>;

/** The headers of a signed call, from the MAC's hex digest. */
export function signedHeaders(keyId: string, timestamp: number, macHex: string): SignedHeaders {
  return {
    [HEADER_API_KEY]: keyId,
    [HEADER_TIMESTAMP]: String(timestamp),
    [HEADER_SIGNATURE]: `v1=${macHex}`,
  };
}

/**
 * Imports the secret once; reuse the returned signer for every request. The CryptoKey
 * is non-extractable, so the secret cannot be read back out of it.
 */
export async function createSigner(
  keyId: string,
  secret: string,
  subtle: WebSubtleCrypto = crypto.subtle,
): Promise<
  (method: string, path: string, body: string, timestamp: number) => Promise<SignedHeaders>
> {
  const key = await importHmacKey(secret, ['sign'], subtle);
  return async function sign(method: string, path: string, body: string, timestamp: number) {
    const bodySha256Hex = await sha256Hex(body, subtle);
    const canonical = canonicalString({ keyId, method, path, timestamp, bodySha256Hex });
    const mac = await subtle.sign('HMAC', key, encoder.encode(canonical));
    return signedHeaders(keyId, timestamp, toHex(mac));
  };
}

function importHmacKey(secret: string, usages: Array<'sign' | 'verify'>, subtle: WebSubtleCrypto) {
  return subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    usages,
  );
}

export type VerifyFailureCode =
  | 'missing_credentials'
  | 'unknown_key'
  | 'stale_timestamp'
  | 'bad_signature';

export type VerifyResult =
  | { ok: true; keyId: string }
  | { ok: false; code: VerifyFailureCode; message: string };

export interface VerifyInput {
  method: string;
  path: string;
  /** Raw request body bytes or text, exactly as received. */
  body: string | Uint8Array;
  headers: Headers | Record<string, string | undefined>;
  /** Returns the secret for a key id, or undefined when the key is unknown. */
  secretFor: (keyId: string) => string | undefined | Promise<string | undefined>;
  /** Current time in milliseconds. */
  now?: number;
  toleranceSeconds?: number;
  subtle?: WebSubtleCrypto;
}

function header(headers: VerifyInput['headers'], name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string | undefined>)[name];
}

/**
 * Verifies a signed runtime request. The MAC comparison is done by
 * `crypto.subtle.verify`, which compares in constant time.
 */
export async function verifySignature(input: VerifyInput): Promise<VerifyResult> {
  const subtle = input.subtle ?? crypto.subtle;
  const keyId = header(input.headers, HEADER_API_KEY);
  const ts = header(input.headers, HEADER_TIMESTAMP);
  const sig = header(input.headers, HEADER_SIGNATURE);
  if (!keyId || !ts || !sig) {
    const missing = [
      !keyId && HEADER_API_KEY,
      !ts && HEADER_TIMESTAMP,
      !sig && HEADER_SIGNATURE,
    ].filter(Boolean);
    return {
      ok: false,
      code: 'missing_credentials',
      message: `missing header(s): ${missing.join(', ')}`,
    };
  }
  const secret = await input.secretFor(keyId);
  if (secret === undefined) return { ok: false, code: 'unknown_key', message: 'unknown API key' };
  const timestamp = Number(ts);
  const nowSeconds = Math.floor((input.now ?? Date.now()) / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  if (!/^\d{1,12}$/.test(ts) || Math.abs(nowSeconds - timestamp) > tolerance) {
    return { ok: false, code: 'stale_timestamp', message: `timestamp outside ±${tolerance}s` };
  }
  const mac = sig.startsWith('v1=') ? fromHex(sig.slice(3)) : undefined;
  if (mac?.length !== 32)
    return { ok: false, code: 'bad_signature', message: 'malformed signature' };
  const bodySha256Hex = await sha256Hex(input.body, subtle);
  const canonical = canonicalString({
    keyId,
    method: input.method,
    path: input.path,
    timestamp,
    bodySha256Hex,
  });
  const key = await importHmacKey(secret, ['verify'], subtle);
  const valid = await subtle.verify('HMAC', key, mac, encoder.encode(canonical));
  return valid
    ? { ok: true, keyId }
    : { ok: false, code: 'bad_signature', message: 'signature does not match' };
}
