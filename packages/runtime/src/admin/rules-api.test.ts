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

const RULES = '/tenants/quickstart/rules';
const flagged = {
  rule_id: 'r_flagged',
  name: 'Challenge /flagged',
  priority: 10,
  expression: { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/flagged' } },
  outcome: 'Challenge',
};
const post = (body: unknown, headers: Record<string, string> = {}) =>
  admin(server.url, RULES, { method: 'POST', body: JSON.stringify(body), headers });

describe('admin authentication', () => {
  it.each([
    ['no token', undefined],
    ['a wrong bearer token', 'Bearer wrong-token-0123456789abc'],
    ['the token with one character more', `Bearer ${ADMIN_TOKEN}x`],
    ['a wrong Basic password', `Basic ${Buffer.from(`ops:nope`).toString('base64')}`],
    ['another scheme', `Token ${ADMIN_TOKEN}`],
  ])('refuses %s with 401, before looking at the tenant', async (_what, authorization) => {
    for (const path of [RULES, '/tenants/nope/rules', '/tenants/quickstart/audit', '/results']) {
      const res = await fetch(`${server.url}${path}`, {
        headers: authorization ? { authorization } : {},
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    }
  });

  it('accepts Basic auth (the token as password) for reading only', async () => {
    const basic = `Basic ${Buffer.from(`ops-alice:${ADMIN_TOKEN}`).toString('base64')}`;
    expect((await admin(server.url, RULES, { headers: { authorization: basic } })).status).toBe(
      200,
    );
    // Changes need a header a browser never adds by itself (see admin-csrf.test.ts).
    expect((await post(flagged, { authorization: basic })).status).toBe(401);
    const { entries } = await (await admin(server.url, '/tenants/quickstart/audit')).json();
    expect(entries).toEqual([]);
  });
});

describe('rules API', () => {
  it('a created rule decides the next request; update and delete too; all audited', async () => {
    expect(await decide(server.url, { path: '/flagged' })).toMatchObject({ action: 'allow' });

    const created = await post(flagged, { 'x-esper-actor': 'ci-bot' });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ ...flagged, tenant_id: 'quickstart', enabled: true });
    expect(await decide(server.url, { path: '/flagged' })).toMatchObject({
      action: 'challenge',
      policy_id: 'r_flagged',
    });
    expect((await (await admin(server.url, RULES)).json()).rules).toHaveLength(1);

    const patched = await admin(server.url, `${RULES}/r_flagged`, {
      method: 'PATCH',
      body: JSON.stringify({ outcome: 'Block' }),
    });
    expect(patched.status).toBe(200);
    expect(await decide(server.url, { path: '/flagged' })).toMatchObject({ action: 'block' });

    const deleted = await admin(server.url, `${RULES}/r_flagged`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await decide(server.url, { path: '/flagged' })).toMatchObject({ action: 'allow' });

    const { entries } = await (await admin(server.url, '/tenants/quickstart/audit')).json();
    expect(entries.map((e: { action: string }) => e.action)).toEqual([
      'rule.create',
      'rule.update',
      'rule.delete',
    ]);
    expect(entries[0]).toMatchObject({ actor: 'ci-bot', rule_id: 'r_flagged' });
    expect(entries[1].before.outcome).toBe('Challenge');
    expect(entries[1].after.outcome).toBe('Block');
    expect(Date.parse(entries[2].at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('answers 400 with the JSON path of the first problem, and changes nothing', async () => {
    const bad = {
      ...flagged,
      expression: {
        And: { expressions: [{ FieldCmp: { field_name: 'x', operator: 'Eqq', value: '1' } }] },
      },
    };
    const res = await post(bad);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({
      code: 'invalid_rule',
      path: '$.expression.And.expressions[0].FieldCmp.operator',
    });
    expect(error.errors.length).toBeGreaterThan(0);
    expect((await post({ ...flagged, tenant_id: 'other' })).status).toBe(400);
    expect((await post({ ...flagged, outcome: 'Quarantine' })).status).toBe(400);
    expect((await (await admin(server.url, RULES)).json()).rules).toEqual([]);
  });

  it('refuses bad JSON, a duplicate id, changing ids, and unknown tenants or rules', async () => {
    const raw = await admin(server.url, RULES, { method: 'POST', body: '{nope' });
    expect((await raw.json()).error.code).toBe('invalid_json');
    expect((await post(flagged)).status).toBe(201);
    expect((await post(flagged)).status).toBe(409);
    const rename = await admin(server.url, `${RULES}/r_flagged`, {
      method: 'PATCH',
      body: JSON.stringify({ rule_id: 'r_other' }),
    });
    expect(rename.status).toBe(400);
    expect((await rename.json()).error.path).toBe('$.rule_id');
    const badPatch = await admin(server.url, `${RULES}/r_flagged`, {
      method: 'PATCH',
      body: JSON.stringify({ priority: 'high' }),
    });
    expect((await badPatch.json()).error.path).toBe('$.priority');
    expect((await admin(server.url, `${RULES}/r_nope`, { method: 'DELETE' })).status).toBe(404);
    expect((await admin(server.url, '/tenants/nope/rules')).status).toBe(404);
  });
});

describe('results', () => {
  it('counts by policy as JSON, and as an HTML page', async () => {
    await decide(server.url, { path: '/', query: 'foo=bar' });
    await decide(server.url, { path: '/flagged' });
    const json = await (await admin(server.url, '/tenants/quickstart/results')).json();
    expect(json.policies.pol_foo_bar).toEqual({ observe: 0, challenge: 0, block: 1, allow: 0 });
    expect(json.decisions).toMatchObject({ block: 1 });

    const html = await (await admin(server.url, '/results')).text();
    expect(html).toContain('<td>pol_foo_bar</td><td>0</td><td>0</td><td>1</td><td>0</td>');
    expect(html).toContain('<h2>Tenant quickstart</h2>');
  });
});
