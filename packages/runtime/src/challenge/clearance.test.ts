import { describe, expect, it } from 'vitest';
import { createClearanceSigner } from './clearance.js';

const secret = new Uint8Array(32).fill(7);
const client = { clientIp: '203.0.113.10', userAgent: 'Mozilla/5.0 test' };
const claims = { tenantId: 'acme', decisionId: 'dec_1', issuedAt: 1_000, expiresAt: 2_800 };
const expected = { tenantId: 'acme', nowSeconds: 1_500, ...client };

describe('clearance tokens', async () => {
  const signer = await createClearanceSigner(secret);
  const token = await signer.issue(claims, client);

  it('verifies a token for the client it was issued to, until it expires', async () => {
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(token.length).toBeLessThan(300);
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
    const payload = Buffer.from(token.split('.')[1]!, 'base64url').toString();
    expect(payload).not.toContain('203.0.113.10');
    expect(payload).not.toContain('Mozilla');
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

  it('refuses forged tokens: edited payload, edited MAC, another secret', async () => {
    const [v, payload, mac] = token.split('.') as [string, string, string];
    const edited = JSON.parse(Buffer.from(payload, 'base64url').toString());
    edited.e = 9_999_999_999;
    const forgedPayload = `${v}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${mac}`;
    const flipped = `${v}.${payload}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    const stranger = await createClearanceSigner(new Uint8Array(32).fill(8));
    const foreign = await stranger.issue(claims, client);
    for (const forged of [forgedPayload, flipped, foreign]) {
      expect(await signer.verify(forged, expected)).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('refuses malformed and overlong tokens without parsing them', async () => {
    for (const bad of [
      '',
      'v1',
      'v1.a',
      'v2.a.b',
      `${token}.x`,
      'v1.a+b.c',
      'v1.a.b=',
      'x'.repeat(2000),
    ]) {
      expect(await signer.verify(bad, expected)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('needs a secret of at least 32 bytes', async () => {
    await expect(createClearanceSigner(new Uint8Array(16))).rejects.toThrow(/32 bytes/);
  });
});
