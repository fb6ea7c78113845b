/** The definitions API over real HTTP: every kind, validation, references, audit. */
import { validateTenantConfig } from '@esper/policy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeServer, startRuntime } from '../server/start.js';
import { QUICKSTART_TENANT } from '../tenants/quickstart.js';
import { ADMIN_TOKEN, admin, decide } from '../test-support/tenant-calls.js';

let server: RuntimeServer;
beforeAll(async () => {
  server = await startRuntime({ tenants: [QUICKSTART_TENANT], adminToken: ADMIN_TOKEN });
});
afterEach(() => server.reset());
afterAll(() => server.close());

const T = '/tenants/quickstart';
const send = (method: string, path: string, body?: unknown) =>
  admin(server.url, `${T}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const list = async (kind: string) => (await (await send('GET', `/${kind}`)).json())[kind];
const auditActions = async () =>
  (await (await send('GET', '/audit')).json()).entries.map((e: { action: string }) => e.action);

const EXPRESSION = { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/x' } };
/** A valid new object of each kind, and a valid patch for it. */
const KINDS = [
  [
    'actions',
    'action_id',
    { action_id: 'a_new', name: 'New', expression: EXPRESSION },
    { name: 'Renamed' },
  ],
  [
    'entity_definitions',
    'entity_definition_id',
    { entity_definition_id: 'e_new', name: 'New', fields: ['client_ip'] },
    { fields: ['user_agent'] },
  ],
  [
    'mitigations',
    'mitigation_id',
    { mitigation_id: 'm_new', name: 'New', mode: 'Monitor' },
    { would_mode: 'Challenge' },
  ],
  [
    'policies',
    'policy_id',
    { policy_id: 'p_new', name: 'New', mitigation_id: 'mit_block', expression: EXPRESSION },
    { mitigation_id: 'mit_challenge' },
  ],
  [
    'rules',
    'rule_id',
    { rule_id: 'r_new', name: 'New', priority: 1, expression: EXPRESSION, outcome: 'Observe' },
    { outcome: 'Block' },
  ],
] as const;

describe.each(KINDS)('%s', (kind, idKey, object, patch) => {
  const id = object[idKey as keyof typeof object] as string;
  const singular = {
    actions: 'action',
    entity_definitions: 'entity_definition',
    mitigations: 'mitigation',
    policies: 'policy',
    rules: 'rule',
  }[kind];

  it('creates, lists, patches and deletes, each change audited with its id and version', async () => {
    const created = await send('POST', `/${kind}`, object);
    expect(created.status).toBe(201);
    const v1 = created.headers.get('x-esper-config-version');
    expect(await created.json()).toMatchObject(object);
    expect((await list(kind)).map((o: Record<string, string>) => o[idKey])).toContain(id);

    const patched = await send('PATCH', `/${kind}/${id}`, patch);
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ ...object, ...patch });
    const v2 = patched.headers.get('x-esper-config-version');

    const deleted = await send('DELETE', `/${kind}/${id}`);
    expect(deleted.status).toBe(204);
    expect((await list(kind)).map((o: Record<string, string>) => o[idKey])).not.toContain(id);

    const { entries } = await (await send('GET', '/audit')).json();
    expect(entries.map((e: { action: string }) => e.action)).toEqual([
      `${singular}.create`,
      `${singular}.update`,
      `${singular}.delete`,
    ]);
    expect(entries[0]).toMatchObject({ [idKey]: id, after: object, version: v1 });
    expect(entries[1]).toMatchObject({ [idKey]: id, before: object, version: v2 });
    expect(entries[2].before).toMatchObject({ ...object, ...patch });
    expect(new Set([v1, v2, entries[2].version]).size).toBe(3);
  });

  it('refuses an invalid object with 400 and its JSON path, and changes nothing', async () => {
    const before = await list(kind);
    const res = await send('POST', `/${kind}`, { ...object, name: 7 });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: `invalid_${singular}`, path: '$.name' });
    expect(error.errors.length).toBeGreaterThan(0);
    expect(await list(kind)).toEqual(before);
    expect(await auditActions()).toEqual([]);
  });

  it('refuses a duplicate id (409), a changed id (400), unknown ids (404)', async () => {
    expect((await send('POST', `/${kind}`, object)).status).toBe(201);
    const again = await send('POST', `/${kind}`, object);
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatchObject({ code: 'conflict', path: `$.${idKey}` });
    const rename = await send('PATCH', `/${kind}/${id}`, { [idKey]: 'other' });
    expect(rename.status).toBe(400);
    expect((await rename.json()).error.path).toBe(`$.${idKey}`);
    expect((await send('PATCH', `/${kind}/nope`, patch)).status).toBe(404);
    expect((await send('DELETE', `/${kind}/nope`)).status).toBe(404);
    expect((await admin(server.url, `/tenants/nope/${kind}`)).status).toBe(404);
  });

  it('is admin-only, and changes are same-origin JSON', async () => {
    expect((await fetch(`${server.url}${T}/${kind}`)).status).toBe(401);
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}${T}/${kind}`, { method: 'POST', headers, body: JSON.stringify(object) });
    const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect((await post({ ...bearer, 'content-type': 'text/plain' })).status).toBe(415);
    const crossSite = {
      ...bearer,
      'content-type': 'application/json',
      origin: 'https://evil.example',
    };
    expect((await post(crossSite)).status).toBe(403);
    const basic = `Basic ${Buffer.from(`x:${ADMIN_TOKEN}`).toString('base64')}`;
    expect((await post({ authorization: basic, 'content-type': 'application/json' })).status).toBe(
      401,
    );
    const token = { 'x-esper-admin-token': ADMIN_TOKEN, 'content-type': 'application/json' };
    expect((await post(token)).status).toBe(201);
  });
});

describe('references between definitions', () => {
  it('refuses a policy naming an unknown mitigation, with the path in the policy', async () => {
    const res = await send('POST', '/policies', {
      policy_id: 'p_bad',
      name: 'Bad',
      mitigation_id: 'mit_nope',
      action_ids: ['login', 'nope'],
    });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.code).toBe('invalid_policy');
    expect(error.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      '$.action_ids[1]',
      '$.mitigation_id',
    ]);
  });

  it('refuses deleting a mitigation, action or entity a policy uses (409), keeping it', async () => {
    for (const [kind, id, user] of [
      ['mitigations', 'mit_block', '$.policies[1].clauses[0].mitigation_id'],
      ['actions', 'login', '$.policies[0].action_ids[0]'],
      ['entities', 'client', '$.policies[0].entity_definition_id'],
    ] as const) {
      const res = await send('DELETE', `/${kind}/${id}`);
      expect(res.status).toBe(409);
      const { error } = await res.json();
      expect(error.code).toBe('in_use');
      expect(error.errors.map((e: { path: string }) => e.path)).toContain(user);
    }
    expect(
      (await list('mitigations')).map((m: { mitigation_id: string }) => m.mitigation_id),
    ).toContain('mit_block');
    expect(await auditActions()).toEqual([]);
    const config = server.runtime.tenants.get('quickstart')!.config;
    expect(validateTenantConfig(config).ok).toBe(true);
  });

  it('a new mitigation and policy decide the next request; removing the policy frees it', async () => {
    expect(await decide(server.url, { path: '/x' })).toMatchObject({ action: 'allow' });
    await send('POST', '/mitigations', { mitigation_id: 'm_hard', name: 'Hard', mode: 'Block' });
    const policy = await send('POST', '/policies', {
      name: 'Block /x',
      expression: EXPRESSION,
      mitigation_id: 'm_hard',
    });
    const { policy_id, enabled } = await policy.json();
    expect(policy_id).toMatch(/^pol_[0-9a-f]{12}$/);
    expect(enabled).toBe(true);
    expect(await decide(server.url, { path: '/x' })).toMatchObject({
      action: 'block',
      policy_id,
      mitigation_id: 'm_hard',
    });
    expect((await send('DELETE', '/mitigations/m_hard')).status).toBe(409);
    expect((await send('DELETE', `/policies/${policy_id}`)).status).toBe(204);
    expect((await send('DELETE', '/mitigations/m_hard')).status).toBe(204);
    expect(await decide(server.url, { path: '/x' })).toMatchObject({ action: 'allow' });
  });

  it('serves entity definitions under /entities too', async () => {
    const viaAlias = await (await send('GET', '/entities')).json();
    expect(viaAlias).toEqual({ entity_definitions: QUICKSTART_TENANT.entity_definitions });
  });
});
