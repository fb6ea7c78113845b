/** GET /api/v1/hybrid/snapshot over real HTTP: auth, ETag/304, versions, no secrets. */
import { validateTenantConfig } from '@esper/policy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeServer, startRuntime } from '../server/start.js';
import { QUICKSTART_TENANT } from '../tenants/quickstart.js';
import { getSnapshot, hybridEvent, postEvents } from '../test-support/hybrid-calls.js';
import {
  ADMIN_TOKEN,
  admin,
  decide,
  PARTNER_KEY,
  quickstart,
  WEB_KEY,
} from '../test-support/tenant-calls.js';
import { EVENTS_PATH, SNAPSHOT_PATH } from './hybrid-routes.js';

const CHALLENGE_SECRET = 'challenge-secret-that-must-never-leave';
const OTHER_KEY = { apiKey: 'other_key', secret: 'other_secret_never_in_a_snapshot' };
const OTHER_TENANT = quickstart({
  tenant_id: 'other',
  api_keys: [{ ...OTHER_KEY, source_id: 'edge-1' }],
  rules: [],
});

let server: RuntimeServer;
beforeAll(async () => {
  server = await startRuntime({
    tenants: [QUICKSTART_TENANT, OTHER_TENANT],
    adminToken: ADMIN_TOKEN,
    challenge: { secret: CHALLENGE_SECRET, difficulty: 4 },
  });
});
afterEach(() => server.reset());
afterAll(() => server.close());

async function version(key = WEB_KEY): Promise<string> {
  const res = await getSnapshot(server.url, { key });
  expect(res.status).toBe(200);
  return (await res.json()).version;
}

describe('snapshot', () => {
  it("answers the key's tenant's whole validated configuration, its version in the ETag", async () => {
    const res = await getSnapshot(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    const body = JSON.parse(text);
    expect(res.headers.get('etag')).toMatch(new RegExp(`^"${body.version}\\.[0-9a-f]{16}"$`));
    expect(body).toMatchObject({
      tenant_id: 'quickstart',
      source: { source_id: 'web-app', trust_level: 'high' },
    });
    expect(Math.abs(Date.parse(body.generated_at) - Date.now())).toBeLessThan(60_000);
    expect(body.config).toMatchObject({
      tenant_id: 'quickstart',
      actions: QUICKSTART_TENANT.actions,
      entity_definitions: QUICKSTART_TENANT.entity_definitions,
      mitigations: QUICKSTART_TENANT.mitigations,
      policies: QUICKSTART_TENANT.policies,
      rules: [],
      default_entity_definition_id: 'sys_client_ip',
      session_entity_definition_id: 'sys_session_id',
    });
    expect(validateTenantConfig(body.config).ok).toBe(true);
    for (const secret of [
      WEB_KEY.secret,
      PARTNER_KEY.secret,
      OTHER_KEY.secret,
      CHALLENGE_SECRET,
      ADMIN_TOKEN,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('api_keys');
    const partner = await (await getSnapshot(server.url, { key: PARTNER_KEY })).json();
    expect(partner.source).toEqual({ source_id: 'partner-gateway', trust_level: 'low' });
    expect(partner.version).toBe(body.version);
  });

  it('answers 304 without a body to If-None-Match with the current ETag, 200 otherwise', async () => {
    const etag = (await getSnapshot(server.url)).headers.get('etag')!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"cfg_old", ${etag}`, '*']) {
      const res = await getSnapshot(server.url, { headers: { 'if-none-match': ifNoneMatch } });
      expect(res.status).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.text()).toBe('');
    }
    const stale = await getSnapshot(server.url, { headers: { 'if-none-match': '"cfg_old"' } });
    expect(stale.status).toBe(200);
    await admin(server.url, '/tenants/quickstart/rules', {
      method: 'POST',
      body: JSON.stringify({
        name: 'r',
        priority: 1,
        expression: { FieldExists: { field_name: 'email' } },
        outcome: 'Observe',
      }),
    });
    const changed = await getSnapshot(server.url, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it("gives each key its own tenant's configuration; a tenant_id naming another is 403", async () => {
    const other = await (await getSnapshot(server.url, { key: OTHER_KEY })).json();
    expect(other).toMatchObject({
      tenant_id: 'other',
      source: { source_id: 'edge-1', trust_level: null },
    });
    expect(other.config.tenant_id).toBe('other');
    const own = await getSnapshot(server.url, {
      key: OTHER_KEY,
      path: `${SNAPSHOT_PATH}?tenant_id=other`,
    });
    expect(own.status).toBe(200);
    const wrong = await getSnapshot(server.url, {
      key: OTHER_KEY,
      path: `${SNAPSHOT_PATH}?tenant_id=quickstart`,
    });
    expect(wrong.status).toBe(403);
    expect((await wrong.json()).error.code).toBe('wrong_tenant');
  });

  it('refuses signatures over another path, method or query, and bad keys, with 401', async () => {
    const cases: Array<[Parameters<typeof getSnapshot>[1], string]> = [
      [{ signPath: EVENTS_PATH }, 'bad_signature'],
      [{ signPath: '/api/v1/runtime/mitigation' }, 'bad_signature'],
      [{ signMethod: 'POST' }, 'bad_signature'],
      [{ path: `${SNAPSHOT_PATH}?tenant_id=quickstart`, signPath: SNAPSHOT_PATH }, 'bad_signature'],
      [{ key: { apiKey: WEB_KEY.apiKey, secret: 'wrong' } }, 'bad_signature'],
      [{ key: { apiKey: 'nope', secret: 'x' } }, 'unknown_key'],
      [{ timestamp: Math.floor(Date.now() / 1000) - 3600 }, 'stale_timestamp'],
    ];
    for (const [opts, code] of cases) {
      const res = await getSnapshot(server.url, opts);
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe(code);
    }
    const unsigned = await fetch(`${server.url}${SNAPSHOT_PATH}`);
    expect(unsigned.status).toBe(401);
    expect((await unsigned.json()).error.code).toBe('missing_credentials');
    expect((await fetch(`${server.url}${SNAPSHOT_PATH}`, { method: 'POST' })).status).toBe(405);
  });
});

describe('clearance keys', () => {
  it('carries the public keys that verify clearances (never a private part), in the ETag', async () => {
    const body = await (await getSnapshot(server.url)).json();
    const signer = await server.runtime.clearanceSigner();
    expect(body.clearance_keys).toEqual(signer.verificationKeys);
    expect(body.clearance_keys).toHaveLength(1);
    const [jwk] = body.clearance_keys;
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
  });

  it('a new key with the same configuration: same version, another ETag, no 304', async () => {
    const first = await getSnapshot(server.url);
    const etag = first.headers.get('etag')!;
    const version = (await first.json()).version;
    const rotated = await startRuntime({
      tenants: [QUICKSTART_TENANT, OTHER_TENANT],
      challenge: { secret: ['a-new-clearance-secret', CHALLENGE_SECRET] },
    });
    try {
      const res = await getSnapshot(rotated.url, { headers: { 'if-none-match': etag } });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).not.toBe(etag);
      const body = await res.json();
      expect(body.version).toBe(version);
      // Both keys are published, the signing one first; the old one still verifies.
      expect(body.clearance_keys).toHaveLength(2);
      expect(body.clearance_keys[1]).toEqual(
        (await getSnapshot(server.url).then((r) => r.json())).clearance_keys[0],
      );
    } finally {
      await rotated.close();
    }
  });
});

describe('configuration version', () => {
  const EXPRESSION = { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/v' } };
  const CHANGES = [
    [
      'actions',
      'action_id',
      { action_id: 'a_v', name: 'A', expression: EXPRESSION },
      { name: 'B' },
    ],
    [
      'entity_definitions',
      'entity_definition_id',
      { entity_definition_id: 'e_v', name: 'E', fields: ['client_ip'] },
      { name: 'F' },
    ],
    [
      'mitigations',
      'mitigation_id',
      { mitigation_id: 'm_v', name: 'M', mode: 'Block' },
      { mode: 'Challenge' },
    ],
    [
      'policies',
      'policy_id',
      { policy_id: 'p_v', name: 'P', mitigation_id: 'mit_block', expression: EXPRESSION },
      { enabled: false },
    ],
    [
      'rules',
      'rule_id',
      { rule_id: 'r_v', name: 'R', priority: 1, expression: EXPRESSION, outcome: 'Block' },
      { priority: 2 },
    ],
  ] as const;
  const call = (method: string, path: string, body?: unknown) =>
    admin(server.url, `/tenants/quickstart${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it.each(CHANGES)(
    'changes with every create, update and delete of %s',
    async (kind, idKey, object, patch) => {
      const id = object[idKey as keyof typeof object] as string;
      const seen = [await version()];
      for (const [method, path, body] of [
        ['POST', `/${kind}`, object],
        ['PATCH', `/${kind}/${id}`, patch],
        ['DELETE', `/${kind}/${id}`, undefined],
      ] as const) {
        const res = await call(method, path, body);
        expect(res.status).toBeLessThan(300);
        const now = await version();
        expect(res.headers.get('x-esper-config-version')).toBe(now);
        // Each change is new, except that a delete may restore an earlier configuration.
        expect(now).not.toBe(seen[seen.length - 1]);
        if (method !== 'DELETE') expect(seen).not.toContain(now);
        seen.push(now);
      }
      // Deleting what was created restores the configuration, hence its version.
      expect(seen[3]).toBe(seen[0]);
    },
  );

  it('does not change with reads, decisions, events, refused changes or a no-op patch', async () => {
    const start = await version();
    const other = await version(OTHER_KEY);
    await call('GET', '/policies');
    await call('GET', '/results');
    await decide(server.url, { path: '/', query: 'foo=bar' });
    expect((await postEvents(server.url, { events: [hybridEvent()] })).status).toBe(200);
    expect(
      (await call('POST', '/mitigations', { mitigation_id: 'x', name: 'X', mode: 'Nope' })).status,
    ).toBe(400);
    expect((await call('DELETE', '/mitigations/mit_block')).status).toBe(409);
    expect((await call('POST', '/policies', { name: 'p', mitigation_id: 'mit_nope' })).status).toBe(
      400,
    );
    expect((await call('PATCH', '/mitigations/mit_block', { name: 'Block' })).status).toBe(200);
    expect(await version()).toBe(start);
    // Another tenant's change leaves this tenant's version alone.
    await admin(server.url, '/tenants/other/mitigations', {
      method: 'POST',
      body: JSON.stringify({ mitigation_id: 'm_o', name: 'O', mode: 'Block' }),
    });
    expect(await version()).toBe(start);
    expect(await version(OTHER_KEY)).not.toBe(other);
  });
});
