import { describe, expect, it } from 'vitest';
import { createPolicyEngine, PolicyConfigError } from './engine.js';
import { createMemoryStore } from './memory-store.js';
import type { PolicyStore } from './store.js';
import type { Expression, Policy, RuleDefinition, TenantConfig } from './types.js';

const T0 = 1_700_000_000_000;

const eq = (field_name: string, value: string): Expression => ({
  FieldCmp: { field_name, operator: 'Eq', value },
});
const isLogin = eq('request_path', '/login');

const mitigations: TenantConfig['mitigations'] = [
  { mitigation_id: 'm_monitor', name: 'Monitor', mode: 'Monitor' },
  {
    mitigation_id: 'm_monitor_challenge',
    name: 'Monitor',
    mode: 'Monitor',
    would_mode: 'Challenge',
  },
  { mitigation_id: 'm_challenge', name: 'Challenge', mode: 'Challenge' },
  { mitigation_id: 'm_block', name: 'Block', mode: 'Block' },
];
const actions: TenantConfig['actions'] = [
  { action_id: 'login', name: 'login', expression: isLogin },
  { action_id: 'view_article', name: 'view_article', expression: eq('request_path', '/article') },
  { action_id: 'post', name: 'POST', expression: eq('request_method', 'POST') },
];

function tenant(extra: Partial<TenantConfig>): TenantConfig {
  return { tenant_id: 'acme', actions, mitigations, ...extra };
}

function rule(
  rule_id: string,
  priority: number,
  outcome: RuleDefinition['outcome'],
  expression: Expression = isLogin,
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

function policy(policy_id: string, mitigation_id: string, extra: Partial<Policy> = {}): Policy {
  return { policy_id, name: policy_id, mitigation_id, enabled: true, ...extra } as Policy;
}

/** A memory store that records every increment, to prove each event is counted once. */
function countingStore() {
  const inner = createMemoryStore();
  const increments: string[] = [];
  const store: PolicyStore = {
    incrementWindow(key, window, now) {
      increments.push(`${key}@${window}`);
      return inner.incrementWindow(key, window, now);
    },
    countWindow: inner.countWindow,
    getState: inner.getState,
    setState: inner.setState,
  };
  return { store, increments };
}

const login = {
  request_path: '/login',
  request_method: 'POST',
  client_ip: '203.0.113.10',
  user_agent: 'UA',
};

describe('rule outcomes', () => {
  it.each([
    ['Allow', 'allow', 'live'],
    ['Observe', 'allow', 'monitor'],
    ['Challenge', 'challenge', 'live'],
    ['Block', 'block', 'live'],
  ] as const)('%s → action %s, mode %s', async (outcome, action, mode) => {
    const engine = createPolicyEngine(tenant({ rules: [rule('r1', 1, outcome)] }));
    const d = await engine.evaluate(login);
    expect(d).toMatchObject({
      outcome,
      action,
      mode,
      rule_id: 'r1',
      policy_id: null,
      mitigation_id: null,
    });
    expect(d.reason).toContain('r1');
    const none = await engine.evaluate({ request_path: '/' });
    expect(none).toMatchObject({ outcome: 'Allow', policy_id: null });
    expect(none).not.toHaveProperty('rule_id');
  });

  it('runs higher priority first and the first match wins', async () => {
    const rules = [
      rule('block', 1, 'Block'),
      rule('allow', 5, 'Allow'),
      rule('challenge', 3, 'Challenge'),
    ];
    const d = await createPolicyEngine(tenant({ rules })).evaluate(login);
    expect(d).toMatchObject({ outcome: 'Allow', rule_id: 'allow' });
  });

  it('breaks priority ties by rule_id ascending, whatever the list order', async () => {
    const rules = [rule('r_b', 2, 'Block'), rule('r_a', 2, 'Challenge')];
    for (const list of [rules, [...rules].reverse()]) {
      const d = await createPolicyEngine(tenant({ rules: list })).evaluate(login);
      expect(d).toMatchObject({ outcome: 'Challenge', rule_id: 'r_a' });
    }
  });

  it('skips disabled rules', async () => {
    const rules = [{ ...rule('r1', 9, 'Block'), enabled: false }, rule('r2', 1, 'Challenge')];
    expect(await createPolicyEngine(tenant({ rules })).evaluate(login)).toMatchObject({
      rule_id: 'r2',
    });
  });
});

describe('mitigation modes', () => {
  it.each([
    ['m_monitor', 'Observe', 'allow', 'monitor', 'block'],
    ['m_monitor_challenge', 'Observe', 'allow', 'monitor', 'challenge'],
    ['m_challenge', 'Challenge', 'challenge', 'live', undefined],
    ['m_block', 'Block', 'block', 'live', undefined],
  ] as const)(
    '%s → %s / %s / %s, would_action %s',
    async (mitigation_id, outcome, action, mode, would) => {
      const engine = createPolicyEngine(
        tenant({ policies: [policy('p1', mitigation_id, { expression: isLogin })] }),
      );
      const d = await engine.evaluate(login);
      expect(d).toMatchObject({
        outcome,
        action,
        mode,
        policy_id: 'p1',
        mitigation_id,
        clause_index: 0,
      });
      expect(d.would_action).toBe(would);
    },
  );

  it('allows with no policy and no rule matching', async () => {
    const d = await createPolicyEngine(tenant({})).evaluate(login);
    expect(d).toEqual({
      action: 'allow',
      mode: 'live',
      outcome: 'Allow',
      policy_id: null,
      mitigation_id: null,
      matched_actions: ['login', 'post'],
      reason: 'no policy or rule matched',
      matches: [],
      // No policy or rule at all: nothing another request could trip.
      cache_scope: 'client',
    });
  });
});

describe('precedence between policies and rules', () => {
  it('the most severe match wins and every match is recorded', async () => {
    const engine = createPolicyEngine(
      tenant({
        policies: [
          policy('p_monitor', 'm_monitor', { expression: isLogin }),
          policy('p_block', 'm_block', { expression: isLogin }),
          policy('p_challenge', 'm_challenge', { expression: isLogin }),
        ],
        rules: [rule('r_observe', 1, 'Observe')],
      }),
    );
    const d = await engine.evaluate(login);
    expect(d).toMatchObject({ outcome: 'Block', policy_id: 'p_block', action: 'block' });
    expect(d.matches.map((m) => m.policy_id ?? m.rule_id).sort()).toEqual([
      'p_block',
      'p_challenge',
      'p_monitor',
      'r_observe',
    ]);
  });

  it('a Block rule beats a Challenge policy; a Block policy beats an Allow rule', async () => {
    const a = createPolicyEngine(
      tenant({
        policies: [policy('p', 'm_challenge', { expression: isLogin })],
        rules: [rule('r', 1, 'Block')],
      }),
    );
    expect(await a.evaluate(login)).toMatchObject({
      outcome: 'Block',
      rule_id: 'r',
      policy_id: null,
    });
    const b = createPolicyEngine(
      tenant({
        policies: [policy('p', 'm_block', { expression: isLogin })],
        rules: [rule('r', 1, 'Allow')],
      }),
    );
    const d = await b.evaluate(login);
    expect(d).toMatchObject({ outcome: 'Block', policy_id: 'p' });
    expect(d).not.toHaveProperty('rule_id');
  });

  it('equal severity: lowest policy_id, and policies before the rule', async () => {
    const policies = [
      policy('p_z', 'm_block', { expression: isLogin }),
      policy('p_a', 'm_block', { expression: isLogin }),
    ];
    const engine = createPolicyEngine(tenant({ policies, rules: [rule('r', 1, 'Block')] }));
    const d = await engine.evaluate(login);
    expect(d).toMatchObject({ policy_id: 'p_a' });
    expect(d).not.toHaveProperty('rule_id');
    expect(d.matches.map((m) => m.policy_id ?? m.rule_id)).toEqual(['p_a', 'p_z', 'r']);
  });

  it('ignores disabled policies', async () => {
    const policies = [{ ...policy('p', 'm_block', { expression: isLogin }), enabled: false }];
    expect(await createPolicyEngine(tenant({ policies })).evaluate(login)).toMatchObject({
      outcome: 'Allow',
    });
  });
});

describe('actions and both policy forms', () => {
  it('lists matched actions and requires any one of a policy action_ids (form a)', async () => {
    const engine = createPolicyEngine(
      tenant({ policies: [policy('p', 'm_challenge', { action_ids: ['login', 'view_article'] })] }),
    );
    const d = await engine.evaluate(login);
    expect(d.matched_actions).toEqual(['login', 'post']);
    expect(d).toMatchObject({ outcome: 'Challenge', policy_id: 'p' });
    expect(await engine.evaluate({ request_path: '/article' })).toMatchObject({
      outcome: 'Challenge',
    });
    expect(await engine.evaluate({ request_path: '/home' })).toMatchObject({
      outcome: 'Allow',
      matched_actions: [],
    });
  });

  it('form (a): expression AND actions must both hold', async () => {
    const engine = createPolicyEngine(
      tenant({
        policies: [
          policy('p', 'm_block', { expression: eq('geo_country', 'XX'), action_ids: ['login'] }),
        ],
      }),
    );
    expect(await engine.evaluate({ ...login, geo_country: 'XX' })).toMatchObject({
      outcome: 'Block',
    });
    expect(await engine.evaluate({ ...login, geo_country: 'DE' })).toMatchObject({
      outcome: 'Allow',
    });
    expect(await engine.evaluate({ request_path: '/', geo_country: 'XX' })).toMatchObject({
      outcome: 'Allow',
    });
  });

  it('form (b): shared expression, clause match, the most severe matching clause', async () => {
    const clausePolicy: Policy = {
      policy_id: 'p',
      name: 'foo=bar',
      expression: { FieldExists: { field_name: 'request_query_foo' } },
      clauses: [
        { match: eq('request_query_foo', 'bar'), mitigation_id: 'm_monitor' },
        { match: eq('request_query_foo', 'bar'), action_ids: ['login'], mitigation_id: 'm_block' },
        { match: eq('request_query_foo', 'baz'), mitigation_id: 'm_challenge' },
      ],
      enabled: true,
    };
    const engine = createPolicyEngine(tenant({ policies: [clausePolicy] }));
    expect(await engine.evaluate({ request_query_foo: 'bar' })).toMatchObject({
      outcome: 'Observe',
      clause_index: 0,
    });
    expect(await engine.evaluate({ ...login, request_query_foo: 'bar' })).toMatchObject({
      outcome: 'Block',
      clause_index: 1,
    });
    expect(await engine.evaluate({ request_query_foo: 'baz' })).toMatchObject({
      outcome: 'Challenge',
      clause_index: 2,
    });
    expect(await engine.evaluate({ request_query_other: 'bar' })).toMatchObject({
      outcome: 'Allow',
    });
  });

  it('reports the entity key of a policy without a window, and still matches without one', async () => {
    const engine = createPolicyEngine(
      tenant({
        policies: [
          policy('p', 'm_challenge', {
            expression: isLogin,
            entity_definition_id: 'sys_client_ip_user_agent',
          }),
        ],
      }),
    );
    expect(await engine.evaluate(login)).toMatchObject({
      outcome: 'Challenge',
      entity_key: '203.0.113.10|UA',
    });
    const d = await engine.evaluate({ request_path: '/login' });
    expect(d).toMatchObject({ outcome: 'Challenge' });
    expect(d.entity_key).toBeUndefined();
  });
});

describe('windows', () => {
  const burst = (operator = 'Gt', value = 5, window_seconds = 60) =>
    policy('burst', 'm_block', {
      action_ids: ['login'],
      entity_definition_id: 'sys_client_ip',
      window: { window_seconds, threshold: { type: 'count', operator, value } },
    } as Partial<Policy>);

  it('count: "5 requests in 1 minute" blocks the 6th, per entity, and slides', async () => {
    let now = T0;
    const engine = createPolicyEngine(tenant({ policies: [burst()] }), { now: () => now });
    for (let i = 1; i <= 5; i++) {
      expect(await engine.evaluate(login)).toMatchObject({ outcome: 'Allow' });
      now += 1000;
    }
    expect(await engine.evaluate(login)).toMatchObject({
      outcome: 'Block',
      entity_key: '203.0.113.10',
    });
    expect(await engine.evaluate({ ...login, client_ip: '198.51.100.1' })).toMatchObject({
      outcome: 'Allow',
    });
    now += 61_000;
    expect(await engine.evaluate(login)).toMatchObject({ outcome: 'Allow' });
  });

  it.each([60, 180, 300, 3600])(
    'count over a %i s window forgets events older than the window',
    async (w) => {
      let now = T0;
      const engine = createPolicyEngine(tenant({ policies: [burst('Ge', 2, w)] }), {
        now: () => now,
      });
      expect(await engine.evaluate(login)).toMatchObject({ outcome: 'Allow' });
      now += (w * 1000) / 2;
      expect(await engine.evaluate(login)).toMatchObject({ outcome: 'Block' });
      now += w * 1000 + (w * 1000) / 60;
      expect(await engine.evaluate(login)).toMatchObject({ outcome: 'Allow' });
    },
  );

  it('needs the entity: absent client_ip never matches a windowed policy', async () => {
    const engine = createPolicyEngine(tenant({ policies: [burst('Ge', 0)] }), { now: () => T0 });
    expect(await engine.evaluate({ request_path: '/login' })).toMatchObject({ outcome: 'Allow' });
    expect(await engine.evaluate(login)).toMatchObject({ outcome: 'Block' });
  });

  it('counts every event, not only matching ones, and each once', async () => {
    const { store, increments } = countingStore();
    const engine = createPolicyEngine(
      tenant({
        policies: [burst(), { ...burst('Gt', 50), policy_id: 'burst2' } as Policy],
        rules: [
          rule('r', 1, 'Observe', {
            WindowCmp: {
              scope: 'Entity',
              counter: 'EventCount',
              window_seconds: 60,
              operator: 'Gt',
              value: '100',
            },
          }),
        ],
      }),
      { store, now: () => T0 },
    );
    await engine.evaluate({ ...login, request_path: '/home' });
    await engine.evaluate(login);
    // Two policies and a rule read the same (sys_client_ip, 60 s) counter: one increment each.
    expect(increments).toEqual([
      'acme|sys_client_ip|203.0.113.10@60',
      'acme|sys_client_ip|203.0.113.10@60',
    ]);
    expect(await store.countWindow('acme|sys_client_ip|203.0.113.10', 60, T0)).toBe(2);
  });

  it('share: "more than 20% of tenant traffic in 1 hour"', async () => {
    const { store, increments } = countingStore();
    const engine = createPolicyEngine(
      tenant({
        policies: [
          policy('share', 'm_challenge', {
            entity_definition_id: 'sys_client_ip',
            window: {
              window_seconds: 3600,
              threshold: { type: 'share', operator: 'Gt', percent: 20 },
            },
          } as Partial<Policy>),
        ],
      }),
      { store, now: () => T0 },
    );
    // 8 other clients, then the same client: shares 1/9, 2/10, 3/11 (27%).
    for (let i = 0; i < 8; i++) await engine.evaluate({ client_ip: `10.0.0.${i}` });
    expect(await engine.evaluate({ client_ip: '1.1.1.1' })).toMatchObject({ outcome: 'Allow' });
    expect(await engine.evaluate({ client_ip: '1.1.1.1' })).toMatchObject({ outcome: 'Allow' }); // 20%: not more
    expect(await engine.evaluate({ client_ip: '1.1.1.1' })).toMatchObject({
      outcome: 'Challenge',
      entity_key: '1.1.1.1',
    });
    // Events without the entity still count toward the tenant total.
    expect(increments.filter((k) => k === 'acme|*@3600')).toHaveLength(11);
    expect(increments.filter((k) => k === 'acme|sys_client_ip|1.1.1.1@3600')).toHaveLength(3);
  });

  it('share respects min_total so a quiet tenant is not all "100% one client"', async () => {
    const engine = createPolicyEngine(
      tenant({
        policies: [
          policy('share', 'm_block', {
            entity_definition_id: 'sys_client_ip',
            window: {
              window_seconds: 60,
              threshold: { type: 'share', operator: 'Ge', percent: 50, min_total: 3 },
            },
          } as Partial<Policy>),
        ],
      }),
      { now: () => T0 },
    );
    expect(await engine.evaluate({ client_ip: 'a' })).toMatchObject({ outcome: 'Allow' });
    expect(await engine.evaluate({ client_ip: 'a' })).toMatchObject({ outcome: 'Allow' });
    expect(await engine.evaluate({ client_ip: 'a' })).toMatchObject({ outcome: 'Block' });
  });

  it('form (b): the first listed entity over the threshold decides', async () => {
    const engine = createPolicyEngine(
      tenant({
        policies: [
          {
            policy_id: 'p',
            name: 'p',
            clauses: [
              {
                entity_definition_ids: ['sys_session_id', 'sys_client_ip'],
                mitigation_id: 'm_block',
                window: {
                  window_seconds: 300,
                  threshold: { type: 'count', operator: 'Ge', value: 2 },
                },
              },
            ],
            enabled: true,
          },
        ],
      }),
      { now: () => T0 },
    );
    await engine.evaluate({ client_ip: '1.1.1.1', session_id: 's1' });
    // Session s2 is new, but the IP has now been seen twice.
    expect(await engine.evaluate({ client_ip: '1.1.1.1', session_id: 's2' })).toMatchObject({
      outcome: 'Block',
      entity_key: '1.1.1.1',
    });
  });

  it('WindowCmp reads the default entity (Entity) and the session entity (Session)', async () => {
    const over = (scope: 'Entity' | 'Session'): Expression => ({
      WindowCmp: { scope, counter: 'EventCount', window_seconds: 60, operator: 'Gt', value: '1' },
    });
    const engine = createPolicyEngine(
      tenant({
        entity_definitions: [
          { entity_definition_id: 'acct', name: 'account', fields: ['account_id'] },
        ],
        default_entity_definition_id: 'acct',
        rules: [
          rule('entity', 2, 'Block', over('Entity')),
          rule('session', 1, 'Challenge', over('Session')),
        ],
      }),
      { now: () => T0 },
    );
    expect(await engine.evaluate({ account_id: 'a', session_id: 's' })).toMatchObject({
      outcome: 'Allow',
    });
    expect(await engine.evaluate({ account_id: 'b', session_id: 's' })).toMatchObject({
      rule_id: 'session',
    });
    expect(await engine.evaluate({ account_id: 'b', session_id: 't' })).toMatchObject({
      rule_id: 'entity',
    });
  });
});

describe('state', () => {
  it('StateCmp reads Entity and Session state from the store', async () => {
    const store = createMemoryStore();
    const engine = createPolicyEngine(
      tenant({
        rules: [
          rule('risky', 2, 'Block', {
            StateCmp: { scope: 'Entity', field_name: 'risk', operator: 'Eq', value: 'high' },
          }),
          rule('session', 1, 'Challenge', {
            And: {
              expressions: [
                { FieldExists: { field_name: 'email' } },
                {
                  StateCmp: {
                    scope: 'Session',
                    field_name: 'risk_bucket',
                    operator: 'Ne',
                    value: 'low',
                  },
                },
              ],
            },
          }),
        ],
      }),
      { store },
    );
    const fields = { client_ip: '1.1.1.1', session_id: 's1', email: 'a@b' };
    // No saved bucket: missing, so Ne "low" holds.
    expect(await engine.evaluate(fields)).toMatchObject({ rule_id: 'session' });
    await store.setState(
      'Session',
      engine.stateKey('Session', fields) as string,
      'risk_bucket',
      'low',
    );
    expect(await engine.evaluate(fields)).toMatchObject({ outcome: 'Allow' });
    await store.setState('Entity', engine.stateKey('Entity', fields) as string, 'risk', 'high');
    expect(await engine.evaluate(fields)).toMatchObject({ rule_id: 'risky', outcome: 'Block' });
    expect(engine.stateKey('Session', { client_ip: 'x' })).toBeUndefined();
  });

  it('passes store failures to the caller', async () => {
    const store = createMemoryStore();
    // Both paths: the per-key calls (a store without `record`) and the batched one.
    const broken: PolicyStore = {
      incrementWindow: async () => Promise.reject(new Error('down')),
      countWindow: store.countWindow,
      getState: store.getState,
      setState: store.setState,
    };
    const brokenBatch: PolicyStore = {
      ...broken,
      record: async () => Promise.reject(new Error('down')),
    };
    const engine = createPolicyEngine(
      tenant({
        policies: [
          policy('p', 'm_block', {
            entity_definition_id: 'sys_client_ip',
            window: { window_seconds: 60, threshold: { type: 'count', operator: 'Gt', value: 1 } },
          } as Partial<Policy>),
        ],
      }),
      { store: broken },
    );
    await expect(engine.evaluate(login)).rejects.toThrow('down');
    const batched = createPolicyEngine(engine.config, { store: brokenBatch });
    await expect(batched.evaluate(login)).rejects.toThrow('down');
  });
});

describe('system entities and configuration errors', () => {
  it('sys_source_user_agent groups by source_id + request_header_user_agent', async () => {
    const engine = createPolicyEngine(
      tenant({
        policies: [policy('p', 'm_monitor', { entity_definition_id: 'sys_source_user_agent' })],
      }),
    );
    const d = await engine.evaluate({
      source_id: 'web-prod',
      request_header_user_agent: 'curl/8|x',
    });
    expect(d.entity_key).toBe('web-prod|curl/8%7Cx');
  });

  it('throws PolicyConfigError with every JSON path', () => {
    try {
      createPolicyEngine({
        tenant_id: 'acme',
        policies: [{ policy_id: 'p', name: 'p', mitigation_id: 'nope', enabled: 1 }],
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyConfigError);
      expect((error as PolicyConfigError).errors.map((e) => e.path)).toEqual([
        '$.policies[0].enabled',
      ]);
      expect((error as Error).message).toContain('$.policies[0].enabled');
    }
  });

  it('does not change behaviour when the input config is mutated afterwards', async () => {
    const config = tenant({ policies: [policy('p', 'm_block', { expression: isLogin })] });
    const engine = createPolicyEngine(config);
    (config.policies?.[0] as { enabled: boolean }).enabled = false;
    expect(await engine.evaluate(login)).toMatchObject({ outcome: 'Block' });
  });
});
