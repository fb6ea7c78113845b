import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeServer, startRuntime } from './server/start.js';
import { QUICKSTART_TENANT } from './tenants/quickstart.js';
import { TenantConfigError } from './tenants/tenant.js';
import {
  ADMIN_TOKEN,
  admin,
  decide,
  PARTNER_KEY,
  quickstart,
  WEB_KEY,
} from './test-support/tenant-calls.js';

let server: RuntimeServer;
beforeAll(async () => {
  server = await startRuntime({ tenants: [QUICKSTART_TENANT], adminToken: ADMIN_TOKEN });
});
afterEach(() => server.reset());
afterAll(() => server.close());

const login = { method: 'POST', path: '/login' };

describe('decisions from the quickstart policies', () => {
  it('challenges the 6th login of one client in a minute, and only that client', async () => {
    for (let i = 0; i < 5; i++) {
      expect(await decide(server.url, login)).toMatchObject({ action: 'allow', policy_id: null });
    }
    const sixth = await decide(server.url, login);
    expect(sixth).toMatchObject({
      action: 'challenge',
      mode: 'live',
      policy_id: 'pol_login_burst',
      mitigation_id: 'mit_challenge',
      ttl_seconds: 0,
    });
    expect(sixth.challenge).toEqual({ url: `${server.url}/challenge?d=${sixth.decision_id}` });
    // The entity is client_ip + user_agent: another browser on the same IP is another client.
    expect(await decide(server.url, { ...login, userAgent: 'Other/1.0' })).toMatchObject({
      action: 'allow',
    });
    // A GET /login is not the login action.
    expect(await decide(server.url, { path: '/login' })).toMatchObject({ action: 'allow' });
  });

  it('blocks ?foo=bar, whatever else the query holds', async () => {
    expect(await decide(server.url, { path: '/', query: 'a=1&foo=bar' })).toMatchObject({
      action: 'block',
      mode: 'live',
      policy_id: 'pol_foo_bar',
      mitigation_id: 'mit_block',
      ttl_seconds: 0,
      challenge: null,
    });
    expect(await decide(server.url, { path: '/', query: 'foo=baz' })).toMatchObject({
      action: 'allow',
    });
  });

  it('monitors a client above 20% of the traffic once 20 requests were seen', async () => {
    for (let i = 1; i < 20; i++) {
      expect(await decide(server.url, { path: `/articles/${i}` })).toMatchObject({ mode: 'live' });
    }
    expect(await decide(server.url, { path: '/articles/20' })).toMatchObject({
      action: 'block',
      mode: 'monitor',
      policy_id: 'pol_traffic_share',
      mitigation_id: 'mit_monitor',
      ttl_seconds: 0,
    });
    const results = await (await admin(server.url, '/tenants/quickstart/results')).json();
    expect(results).toMatchObject({
      requests: 20,
      decisions: { allow: 19, monitor: 1 },
      policies: { pol_traffic_share: { observe: 1, challenge: 0, block: 0, allow: 0 } },
    });
  });

  it('takes source_id and trust_level from the verified key', async () => {
    const rule = {
      rule_id: 'r_low_trust',
      tenant_id: 'quickstart',
      name: 'Block low-trust sources on /admin',
      enabled: true,
      priority: 1,
      expression: {
        And: {
          expressions: [
            { FieldCmp: { field_name: 'trust_level', operator: 'Eq', value: 'low' } },
            { FieldCmp: { field_name: 'source_id', operator: 'Eq', value: 'partner-gateway' } },
          ],
        },
      },
      outcome: 'Block',
    };
    const strict = await startRuntime({ tenants: [quickstart({ rules: [rule as never] })] });
    try {
      expect(await decide(strict.url, { path: '/admin' }, PARTNER_KEY)).toMatchObject({
        action: 'block',
        policy_id: 'r_low_trust',
      });
      expect(await decide(strict.url, { path: '/admin' }, WEB_KEY)).toMatchObject({
        action: 'allow',
      });
    } finally {
      await strict.close();
    }
  });

  it('reset() forgets the windows', async () => {
    for (let i = 0; i < 6; i++) await decide(server.url, login);
    server.reset();
    expect(await decide(server.url, login)).toMatchObject({ action: 'allow' });
  });
});

describe('tenant configuration', () => {
  it('reports every invalid spot with its JSON path at start-up', async () => {
    const bad = quickstart({
      api_keys: [{ apiKey: 'k', secret: '' }],
      return_origins: ['https://app.example.com/login'],
      policies: [{ ...quickstart().policies![0]!, mitigation_id: 'mit_nope' }],
    });
    const started = startRuntime({ tenants: [bad] });
    await expect(started).rejects.toBeInstanceOf(TenantConfigError);
    const error = (await started.catch((e) => e)) as TenantConfigError;
    expect(error.errors.map((e) => e.path)).toEqual([
      '$.tenants[0].api_keys[0].secret',
      '$.tenants[0].return_origins[0]',
      '$.tenants[0].policies[0].mitigation_id',
    ]);
  });

  it('refuses an API key configured twice', async () => {
    const other = quickstart({ tenant_id: 'other' });
    await expect(startRuntime({ tenants: [QUICKSTART_TENANT, other] })).rejects.toThrow(
      /API key esper_qs_web is configured twice/,
    );
  });

  it("accepts only the tenants' keys", async () => {
    const only = await startRuntime({ tenants: [QUICKSTART_TENANT] });
    try {
      expect([...only.runtime.keys.keys()]).toEqual([WEB_KEY.apiKey, PARTNER_KEY.apiKey]);
      expect(only.adminToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    } finally {
      await only.close();
    }
  });
});
