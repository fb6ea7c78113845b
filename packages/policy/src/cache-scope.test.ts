import { describe, expect, it } from 'vitest';
import { createPolicyEngine } from './engine.js';
import type { Expression, Policy, RuleDefinition, TenantConfig } from './types.js';

const T0 = 1_700_000_000_000;

const eq = (field_name: string, value: string): Expression => ({
  FieldCmp: { field_name, operator: 'Eq', value },
});

const mitigations: TenantConfig['mitigations'] = [
  { mitigation_id: 'm_monitor', name: 'Monitor', mode: 'Monitor' },
  { mitigation_id: 'm_challenge', name: 'Challenge', mode: 'Challenge' },
  { mitigation_id: 'm_block', name: 'Block', mode: 'Block' },
];

/** "More than 5 requests in 1 minute" per client IP + user agent, with no path condition. */
const burstPerClient: Policy = {
  policy_id: 'pol_burst',
  name: 'burst',
  entity_definition_id: 'sys_client_ip_user_agent',
  mitigation_id: 'm_block',
  window: { window_seconds: 60, threshold: { type: 'count', operator: 'Gt', value: 5 } },
  enabled: true,
};

const fooBar: Policy = {
  policy_id: 'pol_foo_bar',
  name: 'foo=bar',
  expression: eq('request_query_foo', 'bar'),
  mitigation_id: 'm_block',
  enabled: true,
};

function engine(extra: Partial<TenantConfig>) {
  let now = T0;
  const e = createPolicyEngine({ tenant_id: 'acme', mitigations, ...extra }, { now: () => now });
  return { e, tick: (ms: number) => (now += ms) };
}

function request(path: string, extra: Record<string, string> = {}) {
  return {
    request_method: 'GET',
    request_path: path,
    client_ip: '203.0.113.10',
    ip: '203.0.113.10',
    user_agent: 'Mozilla/5.0',
    request_header_user_agent: 'Mozilla/5.0',
    source_id: 'web',
    ...extra,
  };
}

async function sixth(e: ReturnType<typeof engine>['e'], path = '/login') {
  for (let i = 0; i < 5; i++) await e.evaluate(request(path));
  return e.evaluate(request(path));
}

function rule(
  rule_id: string,
  priority: number,
  outcome: RuleDefinition['outcome'],
  expression: Expression,
): RuleDefinition {
  return {
    rule_id,
    tenant_id: 'acme',
    name: rule_id,
    enabled: true,
    priority,
    expression,
    outcome,
  };
}

describe('cache_scope', () => {
  it('client: a burst per IP + user agent with no path condition', async () => {
    const { e } = engine({ policies: [burstPerClient] });
    const d = await sixth(e);
    expect(d).toMatchObject({ action: 'block', policy_id: 'pol_burst', cache_scope: 'client' });
  });

  it('request: the same burst once its policy also requires a /login path', async () => {
    const { e } = engine({
      policies: [{ ...burstPerClient, expression: eq('request_path', '/login') }],
    });
    expect(await sixth(e)).toMatchObject({ action: 'block', cache_scope: 'request' });
  });

  it('request: the burst counted for a login action (an action reads the path)', async () => {
    const { e } = engine({
      actions: [{ action_id: 'login', name: 'login', expression: eq('request_path', '/login') }],
      policies: [{ ...burstPerClient, action_ids: ['login'] }],
    });
    expect(await sixth(e)).toMatchObject({ action: 'block', cache_scope: 'request' });
  });

  it('request: a window counted per IP + path (the entity is not the client key)', async () => {
    const { e } = engine({
      entity_definitions: [
        { entity_definition_id: 'ip_path', name: 'ip+path', fields: ['client_ip', 'request_path'] },
      ],
      policies: [{ ...burstPerClient, entity_definition_id: 'ip_path' }],
    });
    expect(await sixth(e)).toMatchObject({ action: 'block', cache_scope: 'request' });
  });

  it('request: a ?foo=bar block, and the allow of a tenant that has such a policy', async () => {
    const { e } = engine({ policies: [fooBar] });
    expect(await e.evaluate(request('/', { request_query_foo: 'bar' }))).toMatchObject({
      action: 'block',
      cache_scope: 'request',
    });
    // Reusing this allow would let the next request's ?foo=bar through.
    expect(await e.evaluate(request('/'))).toMatchObject({
      action: 'allow',
      cache_scope: 'request',
    });
  });

  it('client: an allow when every policy and rule reads only the client key', async () => {
    const { e } = engine({
      policies: [burstPerClient],
      rules: [rule('r_ip', 1, 'Block', eq('client_ip', '198.51.100.1'))],
    });
    expect(await e.evaluate(request('/'))).toMatchObject({
      action: 'allow',
      cache_scope: 'client',
    });
  });

  it('request: a client-only challenge while a request-dependent policy could block', async () => {
    const { e } = engine({
      policies: [{ ...burstPerClient, mitigation_id: 'm_challenge' }, fooBar],
    });
    // Another request of this client with ?foo=bar must be blocked, not served the challenge.
    expect(await sixth(e, '/')).toMatchObject({ action: 'challenge', cache_scope: 'request' });
  });

  it('client: a client-only block even with less severe request-dependent policies', async () => {
    const { e } = engine({
      policies: [burstPerClient, { ...fooBar, mitigation_id: 'm_challenge' }],
    });
    expect(await sixth(e, '/')).toMatchObject({ action: 'block', cache_scope: 'client' });
  });

  it('rules: client for a client-only rule, request when a higher rule reads the path', async () => {
    const byIp = rule('r_ip', 1, 'Block', eq('client_ip', '203.0.113.10'));
    const { e: alone } = engine({ rules: [byIp] });
    expect(await alone.evaluate(request('/'))).toMatchObject({
      rule_id: 'r_ip',
      cache_scope: 'client',
    });
    // A higher-priority Allow rule for /health shadows the block on that path only.
    const { e: shadowed } = engine({
      rules: [byIp, rule('r_health', 5, 'Allow', eq('request_path', '/health'))],
    });
    expect(await shadowed.evaluate(request('/'))).toMatchObject({
      rule_id: 'r_ip',
      cache_scope: 'request',
    });
  });

  it('state and session windows count as client fields only through a client entity', async () => {
    const stateByIp: Expression = {
      StateCmp: { scope: 'Entity', field_name: 'flag', operator: 'Eq', value: '1' },
    };
    const bySession: Expression = {
      WindowCmp: {
        scope: 'Session',
        counter: 'EventCount',
        window_seconds: 60,
        operator: 'Gt',
        value: '100',
      },
    };
    const { e: byIp } = engine({ rules: [rule('r_state', 1, 'Block', stateByIp)] });
    expect(await byIp.evaluate(request('/'))).toMatchObject({ cache_scope: 'client' });
    const { e: session } = engine({ rules: [rule('r_session', 1, 'Block', bySession)] });
    expect(await session.evaluate(request('/', { session_id: 's1' }))).toMatchObject({
      cache_scope: 'request',
    });
  });

  it('trust level and source of the key are client fields; clearance_valid is not', async () => {
    const { e: trust } = engine({ rules: [rule('r_low', 1, 'Block', eq('trust_level', 'low'))] });
    expect(await trust.evaluate(request('/', { trust_level: 'low' }))).toMatchObject({
      action: 'block',
      cache_scope: 'client',
    });
    const { e: cleared } = engine({
      rules: [rule('r_clear', 1, 'Allow', eq('clearance_valid', 'true'))],
    });
    expect(await cleared.evaluate(request('/', { clearance_valid: 'true' }))).toMatchObject({
      rule_id: 'r_clear',
      cache_scope: 'request',
    });
  });
});
