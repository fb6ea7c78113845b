/**
 * Clearances verified at the edge with the public keys of a snapshot, against tokens the
 * runtime's own signer issues; then a local decision against the runtime's answer for the same
 * body, clearance and all.
 */
import { createMemoryStore } from '@esper/policy';
import { createClearanceSigner, PolicyRuntime, QUICKSTART_TENANT } from '@esper/runtime';
import { describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_SECONDS,
  type ClearanceJwk,
  clearanceKeyErrors,
  createClearanceVerifier,
  verifierFor,
} from './clearance.js';
import { decideWith } from './decide.js';
import { loadSnapshot } from './snapshot.js';
import { quickstartSnapshot } from './test-support/origin.js';

const secret = (fill: number) => new Uint8Array(32).fill(fill);
const client = { clientIp: '203.0.113.10', userAgent: 'Mozilla/5.0 test' };
const claims = { tenantId: 'acme', decisionId: 'dec_1', issuedAt: 1_000, expiresAt: 2_800 };
const expected = { tenantId: 'acme', nowSeconds: 1_500, ...client };

describe('createClearanceVerifier', async () => {
  const signer = await createClearanceSigner(secret(7));
  const keys = signer.verificationKeys as ClearanceJwk[];
  const verifier = await createClearanceVerifier(keys, crypto);
  const token = await signer.issue(claims, client);

  it('takes a runtime-issued token for its client, tenant and lifetime (plus the skew)', async () => {
    expect(await verifier.verify(token, expected)).toEqual({ ok: true, claims });
    const lastSecond = { ...expected, nowSeconds: claims.expiresAt + CLOCK_SKEW_SECONDS - 1 };
    expect(await verifier.verify(token, lastSecond)).toMatchObject({ ok: true });
  });

  it('refuses an expired token, past the skew allowance', async () => {
    const after = { ...expected, nowSeconds: claims.expiresAt + CLOCK_SKEW_SECONDS };
    expect(await verifier.verify(token, after)).toEqual({ ok: false, reason: 'expired' });
    const strict = await createClearanceVerifier(keys, crypto, { skewSeconds: 0 });
    const atExpiry = { ...expected, nowSeconds: claims.expiresAt };
    expect(await strict.verify(token, atExpiry)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses another tenant', async () => {
    expect(await verifier.verify(token, { ...expected, tenantId: 'other' })).toEqual({
      ok: false,
      reason: 'wrong_tenant',
    });
  });

  it('refuses another client: IP, user agent, or no IP', async () => {
    for (const other of [
      { clientIp: '203.0.113.11' },
      { userAgent: 'curl/8' },
      { clientIp: undefined },
    ]) {
      expect(await verifier.verify(token, { ...expected, ...other })).toEqual({
        ok: false,
        reason: 'rebound',
      });
    }
  });

  it('refuses tampered tokens: payload, signature, another key under this kid', async () => {
    const [v, kid, payload, sig] = token.split('.') as [string, string, string, string];
    const edited = JSON.parse(Buffer.from(payload, 'base64url').toString());
    edited.e = 9_999_999_999;
    const longer = Buffer.from(JSON.stringify(edited)).toString('base64url');
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    const stranger = await createClearanceSigner(secret(8));
    const [, , sPayload, sSig] = (await stranger.issue(claims, client)).split('.');
    for (const forged of [
      `${v}.${kid}.${longer}.${sig}`,
      `${v}.${kid}.${payload}.${flipped}`,
      `${v}.${kid}.${sPayload}.${sSig}`,
    ]) {
      expect(await verifier.verify(forged, expected)).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
    }
    for (const bad of ['', 'v1.a.b', `v2.${kid}.${payload}`, `v2.${kid}.a+b.${sig}`]) {
      expect(await verifier.verify(bad, expected)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses a token whose key id the snapshot does not list', async () => {
    const stranger = await createClearanceSigner(secret(8));
    expect(await verifier.verify(await stranger.issue(claims, client), expected)).toEqual({
      ok: false,
      reason: 'unknown_key',
    });
    // A key that is not a point of the curve is left out rather than failing every token.
    const broken = [{ ...keys[0]!, x: keys[0]!.y, y: keys[0]!.x }];
    const partial = await createClearanceVerifier(broken, crypto);
    expect(await partial.verify(token, expected)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('follows a rotation: the new key and the old one both verify while both are listed', async () => {
    const rotated = await createClearanceSigner([secret(9), secret(7)]);
    const both = await createClearanceVerifier(rotated.verificationKeys, crypto);
    const fresh = await rotated.issue(claims, client);
    expect(fresh.split('.')[1]).not.toBe(token.split('.')[1]);
    expect(await both.verify(fresh, expected)).toMatchObject({ ok: true });
    expect(await both.verify(token, expected)).toMatchObject({ ok: true });
    // Retired: the old key is no longer published, its tokens are unknown.
    const retired = await createClearanceVerifier(rotated.verificationKeys.slice(0, 1), crypto);
    expect(await retired.verify(token, expected)).toEqual({ ok: false, reason: 'unknown_key' });
    // An edge still on the old snapshot does not know the new key yet.
    expect(await verifier.verify(fresh, expected)).toEqual({ ok: false, reason: 'unknown_key' });
  });
});

describe('verifierFor', () => {
  it('imports the keys once per snapshot, not per request', async () => {
    const signer = await createClearanceSigner(secret(7));
    let imports = 0;
    const counting = {
      subtle: new Proxy(crypto.subtle, {
        get(target, name) {
          const value = Reflect.get(target, name);
          if (name === 'importKey') {
            return (...args: unknown[]) => {
              imports += 1;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
    };
    const snapshot = { clearance_keys: [...signer.verificationKeys] as ClearanceJwk[] };
    const token = await signer.issue(claims, client);
    for (let i = 0; i < 5; i++) {
      const v = await verifierFor(snapshot, counting);
      expect(await v.verify(token, expected)).toMatchObject({ ok: true });
    }
    expect(imports).toBe(1);
    await verifierFor({ clearance_keys: snapshot.clearance_keys }, counting);
    expect(imports).toBe(2);
  });
});

describe('clearanceKeyErrors', () => {
  it('accepts none or well-formed keys, and names what is wrong by JSON path', async () => {
    const { verificationKeys } = await createClearanceSigner(secret(7));
    expect(clearanceKeyErrors(undefined)).toEqual([]);
    expect(clearanceKeyErrors(verificationKeys)).toEqual([]);
    expect(clearanceKeyErrors({})).toEqual([
      { path: '$.clearance_keys', message: 'expected an array' },
    ]);
    const bad = [{ ...verificationKeys[0], kty: 'RSA', kid: 7 }, null];
    expect(clearanceKeyErrors(bad).map((e) => e.path)).toEqual([
      '$.clearance_keys[0].kty',
      '$.clearance_keys[0].kid',
      '$.clearance_keys[1]',
    ]);
    const snapshot = { ...quickstartSnapshot(), clearance_keys: bad };
    const loaded = loadSnapshot(snapshot, createMemoryStore(), Date.now);
    expect(loaded.ok).toBe(false);
  });
});

describe('a local decision with a clearance, against the runtime', async () => {
  // Every visit to /members is challenged: only a valid clearance lets a client in.
  const tenant = {
    ...structuredClone(QUICKSTART_TENANT),
    rules: [
      {
        rule_id: 'r_members',
        tenant_id: 'quickstart',
        name: 'members',
        enabled: true,
        priority: 10,
        expression: { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/members' } },
        outcome: 'Challenge',
      },
    ],
  };
  const nowMs = Date.now();
  const runtime = new PolicyRuntime({ tenants: [tenant], now: () => nowMs });
  const signer = await runtime.clearanceSigner();
  const state = runtime.tenants.get('quickstart')!;
  const key = [...runtime.keys.values()].find((k) => k.tenantId === 'quickstart')!;
  const { api_keys: _k, return_origins: _o, ...config } = structuredClone(tenant);
  const snapshot = {
    ...quickstartSnapshot(),
    config,
    source: { source_id: key.sourceId ?? null, trust_level: key.trustLevel ?? null },
    clearance_keys: signer.verificationKeys,
  };
  const loaded = loadSnapshot(snapshot, createMemoryStore(), () => nowMs);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const nowSeconds = Math.floor(nowMs / 1000);
  const issue = (ua = 'Mozilla/5.0 test') =>
    signer.issue(
      { tenantId: 'quickstart', decisionId: 'd', issuedAt: nowSeconds, expiresAt: nowSeconds + 60 },
      { clientIp: '203.0.113.10', userAgent: ua },
    );
  const bodyWith = (clearance: string | undefined, inQuery: boolean) => ({
    observed_at: new Date(nowMs).toISOString(),
    idempotency_key: crypto.randomUUID(),
    request: {
      method: 'GET',
      scheme: 'https',
      host: 'app.test',
      path: '/members',
      ...(inQuery && clearance && { query: `esper_clearance=${clearance}` }),
      client_ip: '203.0.113.10',
      user_agent: 'Mozilla/5.0 test',
      headers: {},
    },
    return_url: 'https://app.test/members',
    source: { sdk: '@esper/core', version: '0.1.0', runtime: 'node' },
    ...(clearance !== undefined && { clearance }),
  });
  const page = async () => 'https://origin.test/challenge?d=x';
  const cases: Array<[string, () => Promise<string | undefined>, boolean]> = [
    ['no clearance', async () => undefined, false],
    ['a valid clearance in the URL', () => issue(), true],
    ['a valid clearance cookie', () => issue(), false],
    ['a clearance of another browser', () => issue('curl/8'), false],
    ['a forged clearance', async () => `${(await issue()).slice(0, -2)}AA`, false],
  ];

  it.each(cases)('%s: the answer the runtime gives', async (_what, make, inQuery) => {
    const body = bodyWith(await make(), inQuery);
    const cloud = await runtime.decide(state, structuredClone(body) as never, key);
    const local = await decideWith(loaded.value, body as never, 'dec_hyb_1', nowMs, undefined, {
      crypto,
      originPage: page,
    });
    const shape = (a: Record<string, unknown>) => ({
      action: a.action,
      mode: a.mode,
      policy_id: a.policy_id,
      mitigation_id: a.mitigation_id,
      reason: a.reason,
      cache_scope: a.cache_scope,
      response_headers: a.response_headers,
    });
    expect(shape(local as never)).toEqual(shape(cloud as never));
    if (local.action === 'challenge') expect(local.challenge).toEqual({ url: await page() });
    else expect(local.challenge).toBeNull();
  });
});
