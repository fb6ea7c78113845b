import { describe, expect, it } from 'vitest';
import { createClearanceSigner } from './clearance.js';

const secret = new Uint8Array(32).fill(7);
const client = { clientIp: '203.0.113.10', userAgent: 'Mozilla/5.0 test' };
const claims = { tenantId: 'acme', decisionId: 'dec_1', issuedAt: 1_000, expiresAt: 2_800 };
const expected = { tenantId: 'acme', nowSeconds: 1_500, ...client };

describe('clearance tokens (v2, ES256)', async () => {
  const signer = await createClearanceSigner(secret);
  const token = await signer.issue(claims, client);
  const [kid] = signer.verificationKeys.map((k) => k.kid);

  it('verifies a token for the client it was issued to, until it expires', async () => {
    expect(token).toMatch(/^v2\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(token.split('.')[1]).toBe(kid);
    expect(token.length).toBeLessThan(400);
    expect(await signer.verify(token, expected)).toEqual({ ok: true, claims });
    expect(await signer.verify(token, { ...expected, nowSeconds: 2_799 })).toMatchObject({
      ok: true,
    });
    expect(await signer.verify(token, { ...expected, nowSeconds: 2_800 })).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('carries neither the IP nor the user agent in clear', () => {
    const payload = Buffer.from(token.split('.')[2]!, 'base64url').toString();
    expect(payload).not.toContain('203.0.113.10');
    expect(payload).not.toContain('Mozilla');
  });

  it('derives the key from the secret: same secret, same public key; the JWK is public only', async () => {
    const again = await createClearanceSigner(new Uint8Array(32).fill(7));
    expect(again.verificationKeys).toEqual(signer.verificationKeys);
    expect(await again.verify(token, expected)).toMatchObject({ ok: true });
    const jwk = signer.verificationKeys[0]!;
    expect(jwk).not.toHaveProperty('d');
    // The public key alone verifies (what a hybrid runtime does).
    const key = await crypto.subtle.importKey(
      'jwk',
      jwk,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const [, k, part, sig] = token.split('.') as [string, string, string, string];
    const ok = await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      Buffer.from(sig, 'base64url'),
      new TextEncoder().encode(`esper-clearance-v2.${k}.${part}`),
    );
    expect(ok).toBe(true);
  });

  it('rotates: the first secret signs, every one verifies and is published', async () => {
    const rotated = await createClearanceSigner([new Uint8Array(32).fill(9), secret]);
    expect(rotated.verificationKeys.map((k) => k.kid)).toEqual([
      (await createClearanceSigner(new Uint8Array(32).fill(9))).verificationKeys[0]!.kid,
      kid,
    ]);
    expect(await rotated.verify(token, expected)).toMatchObject({ ok: true });
    const fresh = await rotated.issue(claims, client);
    expect(fresh.split('.')[1]).toBe(rotated.verificationKeys[0]!.kid);
    // The old signer alone does not know the new key.
    expect(await signer.verify(fresh, expected)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('refuses a token bound to another IP or user agent', async () => {
    for (const other of [
      { clientIp: '203.0.113.11' },
      { userAgent: 'curl/8' },
      { clientIp: undefined },
    ]) {
      expect(await signer.verify(token, { ...expected, ...other })).toEqual({
        ok: false,
        reason: 'rebound',
      });
    }
  });

  it('refuses another tenant', async () => {
    expect(await signer.verify(token, { ...expected, tenantId: 'other' })).toEqual({
      ok: false,
      reason: 'wrong_tenant',
    });
  });

  it('refuses forged tokens: edited payload, edited signature, a key of the same id', async () => {
    const [v, k, payload, sig] = token.split('.') as [string, string, string, string];
    const edited = JSON.parse(Buffer.from(payload, 'base64url').toString());
    edited.e = 9_999_999_999;
    const forgedPayload = `${v}.${k}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${sig}`;
    const flipped = `${v}.${k}.${payload}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    const stranger = await createClearanceSigner(new Uint8Array(32).fill(8));
    const [, , sPayload, sSig] = (await stranger.issue(claims, client)).split('.');
    const foreign = `${v}.${k}.${sPayload}.${sSig}`;
    for (const forged of [forgedPayload, flipped, foreign]) {
      expect(await signer.verify(forged, expected)).toEqual({ ok: false, reason: 'bad_signature' });
    }
    expect(await signer.verify(await stranger.issue(claims, client), expected)).toEqual({
      ok: false,
      reason: 'unknown_key',
    });
  });

  it('refuses malformed, v1 and overlong tokens without parsing them', async () => {
    for (const bad of [
      '',
      'v2',
      'v2.a',
      'v2.a.b',
      'v1.a.b',
      `${token}.x`,
      `v2.${kid}.a+b.c`,
      `v2.${kid}.a.b=`,
      'x'.repeat(2000),
    ]) {
      expect(await signer.verify(bad, expected)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('needs secrets of at least 32 bytes, and at least one', async () => {
    await expect(createClearanceSigner(new Uint8Array(16))).rejects.toThrow(/32 bytes/);
    await expect(createClearanceSigner([])).rejects.toThrow(/at least one/);
  });
});
