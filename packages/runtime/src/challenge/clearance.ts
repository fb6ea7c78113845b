/**
 * Clearance tokens: what a browser gets for solving a challenge, and shows on later requests
 * (the `esper_clearance` cookie or query parameter, forwarded by the SDK as `clearance`).
 *
 *   v2.<kid>.<base64url(payload JSON)>.<base64url(ES256 signature)>
 *   signed text = "esper-clearance-v2." + kid + "." + payload part   (ECDSA P-256, SHA-256,
 *                 the signature as r || s, 64 bytes, as Web Crypto and JWS ES256 write it)
 *   payload = { "t": tenant_id, "d": decision_id, "b": binding, "i": issued_at, "e": expires_at }
 *   binding = base64url(SHA-256(client_ip "\n" user_agent))   (seconds since the epoch for i, e)
 *   kid     = the RFC 7638 thumbprint of the public key (base64url SHA-256 of its JWK members)
 *
 * Signed with a private key that never leaves the runtime; anyone with the public key (a
 * hybrid runtime, from its snapshot's `clearance_keys`) can verify a token but not make one.
 * Several keys: the first signs, all verify and are published, so a key can be rotated out
 * without refusing the tokens it signed while they live. Verification is `@esper/hybrid`'s
 * `createClearanceVerifier`, the edge's own, so cloud and hybrid cannot drift. See
 * docs/hybrid.md, "Challenges".
 */
import { createECDH, createHash } from 'node:crypto';
import {
  type ClearanceCheck,
  type ClearanceJwk,
  clientBinding,
  createClearanceVerifier,
} from '@esper/hybrid';

export type { ClearanceCheck, ClearanceJwk };

const PREFIX = 'v2';
const CONTEXT = 'esper-clearance-v2.';
const ES256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ES256_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** The SDK never forwards a longer clearance; anything longer is not ours. */
export const MAX_TOKEN_LENGTH = 1024;
/** Order of the P-256 group: a private scalar is in [1, n - 1]. */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

const encoder = new TextEncoder();

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export interface ClientBinding {
  clientIp?: string | undefined;
  userAgent?: string | undefined;
}

/**
 * SHA-256 of the client's IP and user agent; an absent value binds to "absent". The edge's
 * function, so a token binds exactly as the edge will check it.
 */
export function bindingOf(client: ClientBinding): Promise<string> {
  return clientBinding(crypto.subtle, client.clientIp, client.userAgent);
}

export interface ClearanceClaims {
  tenantId: string;
  decisionId: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export interface ClearanceSigner {
  issue(claims: ClearanceClaims, client: ClientBinding): Promise<string>;
  verify(
    token: string,
    expected: { tenantId: string; nowSeconds: number } & ClientBinding,
  ): Promise<ClearanceCheck>;
  /** Public keys of every configured key, the signing one first: what snapshots publish. */
  readonly verificationKeys: readonly ClearanceJwk[];
}

/**
 * A P-256 key derived from `secret` (so runtimes configured with one secret share a key, and
 * tokens survive a restart): the scalar is SHA-256 of a label, the secret and a counter, the
 * first that is a valid scalar (all but one in 2^32 are).
 */
function deriveKey(secret: Uint8Array): { d: string; x: string; y: string } {
  for (let counter = 0; ; counter++) {
    const scalar = createHash('sha256')
      .update('esper-clearance-es256\n')
      .update(secret)
      .update(String(counter))
      .digest();
    const value = BigInt(`0x${scalar.toString('hex')}`);
    if (value === 0n || value >= P256_ORDER) continue;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(scalar);
    const point = ecdh.getPublicKey(); // 0x04 || x || y
    return {
      d: base64url(scalar),
      x: base64url(point.subarray(1, 33)),
      y: base64url(point.subarray(33, 65)),
    };
  }
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace. */
function thumbprint(x: string, y: string): string {
  const json = `{"crv":"P-256","kty":"EC","x":"${x}","y":"${y}"}`;
  return base64url(createHash('sha256').update(json).digest());
}

interface KeyPair {
  jwk: ClearanceJwk;
  privateKey: CryptoKey;
}

async function keyPair(secret: Uint8Array<ArrayBuffer>): Promise<KeyPair> {
  if (secret.byteLength < 32) throw new Error('the clearance secret needs at least 32 bytes');
  const { d, x, y } = deriveKey(secret);
  const jwk: ClearanceJwk = {
    kty: 'EC',
    crv: 'P-256',
    x,
    y,
    kid: thumbprint(x, y),
    alg: 'ES256',
    use: 'sig',
  };
  const privateKey = await crypto.subtle.importKey(
    'jwk',
    { kty: 'EC', crv: 'P-256', x, y, d },
    ES256,
    false,
    ['sign'],
  );
  return { jwk, privateKey };
}

/**
 * `secrets`: one secret, or several for a rotation (the first signs; all verify). Each at
 * least 32 bytes; the runtime draws a random one unless told otherwise.
 */
export async function createClearanceSigner(
  secrets: Uint8Array<ArrayBuffer> | readonly Uint8Array<ArrayBuffer>[],
): Promise<ClearanceSigner> {
  const list = secrets instanceof Uint8Array ? [secrets] : [...secrets];
  if (list.length === 0) throw new Error('the clearance signer needs at least one secret');
  const pairs = await Promise.all(list.map(keyPair));
  const signing = pairs[0]!;
  const verificationKeys = Object.freeze(pairs.map((p) => Object.freeze({ ...p.jwk })));
  // The issuer's clock decides expiry: no skew allowance here.
  const verifier = await createClearanceVerifier(verificationKeys, crypto, { skewSeconds: 0 });
  return {
    verificationKeys,

    async issue(claims, client) {
      const payload = {
        t: claims.tenantId,
        d: claims.decisionId,
        b: await bindingOf(client),
        i: claims.issuedAt,
        e: claims.expiresAt,
      };
      const part = base64url(encoder.encode(JSON.stringify(payload)));
      const signed = `${signing.jwk.kid}.${part}`;
      const sig = await crypto.subtle.sign(
        ES256_SIGN,
        signing.privateKey,
        encoder.encode(CONTEXT + signed),
      );
      return `${PREFIX}.${signed}.${base64url(new Uint8Array(sig))}`;
    },

    // One verification for both modes: the edge's, with the keys snapshots publish.
    verify: (token, expected) => verifier.verify(token, expected),
  };
}
