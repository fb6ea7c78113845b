import { describe, expect, it } from 'vitest';
import {
  validateAction,
  validateEntityDefinition,
  validateMitigation,
  validatePolicy,
  validateRule,
  validateTenantConfig,
  validateWindow,
} from './validate.js';

const expression = { FieldCmp: { field_name: 'email', operator: 'Eq', value: 'flag@example.com' } };
const rule = {
  rule_id: 'r1',
  tenant_id: 't1',
  name: 'Flagged email',
  description: 'Known bad address',
  enabled: true,
  priority: 10,
  expression,
  outcome: 'Block',
};
const countWindow = { window_seconds: 60, threshold: { type: 'count', operator: 'Gt', value: 5 } };
const shareWindow = {
  window_seconds: 3600,
  threshold: { type: 'share', operator: 'Gt', percent: 20 },
};

function errorsOf(result: { ok: boolean; errors?: Array<{ path: string; message: string }> }) {
  return result.ok ? [] : (result.errors ?? []);
}

describe('validateRule', () => {
  it('accepts the seed rule definition fields', () => {
    expect(validateRule(rule)).toEqual({ ok: true, value: rule });
  });
  it.each(['Allow', 'Observe', 'Challenge', 'Block'])('accepts outcome %s', (outcome) => {
    expect(validateRule({ ...rule, outcome }).ok).toBe(true);
  });
  it.each([
    ['bad outcome', { ...rule, outcome: 'Deny' }, '$.outcome', /Allow, Observe, Challenge, Block/],
    ['fractional priority', { ...rule, priority: 1.5 }, '$.priority', /integer/],
    ['enabled as string', { ...rule, enabled: 'true' }, '$.enabled', /boolean/],
    ['unknown key', { ...rule, severity: 3 }, '$.severity', /unknown key/],
    ['missing outcome', { ...rule, outcome: undefined }, '$.outcome', /expected one of/],
    [
      'bad nested expression',
      { ...rule, expression: { Not: {} } },
      '$.expression.Not.expression',
      /required/,
    ],
    ['bad id', { ...rule, rule_id: 'has space' }, '$.rule_id', /an id of/],
  ])('%s', (_name, json, path, message) => {
    const errors = errorsOf(validateRule(json));
    expect(errors[0]?.path).toBe(path);
    expect(errors[0]?.message).toMatch(message);
  });
  it('reports a missing required key at its path', () => {
    const { outcome: _, ...noOutcome } = rule;
    expect(errorsOf(validateRule(noOutcome))).toEqual([{ path: '$.outcome', message: 'required' }]);
  });
});

describe('validateWindow', () => {
  it.each([60, 180, 300, 3600])('accepts a count threshold over %i s', (window_seconds) => {
    expect(validateWindow({ ...countWindow, window_seconds }).ok).toBe(true);
  });
  it('accepts a share threshold, with and without min_total', () => {
    expect(validateWindow(shareWindow)).toEqual({ ok: true, value: shareWindow });
    const withMin = { ...shareWindow, threshold: { ...shareWindow.threshold, min_total: 100 } };
    expect(validateWindow(withMin)).toEqual({ ok: true, value: withMin });
  });
  it.each([
    ['window 120', { ...countWindow, window_seconds: 120 }, '$.window_seconds'],
    [
      'unknown type',
      { ...countWindow, threshold: { type: 'rate', operator: 'Gt', value: 1 } },
      '$.threshold.type',
    ],
    [
      'negative count',
      { ...countWindow, threshold: { type: 'count', operator: 'Gt', value: -1 } },
      '$.threshold.value',
    ],
    [
      'count as string',
      { ...countWindow, threshold: { type: 'count', operator: 'Gt', value: '5' } },
      '$.threshold.value',
    ],
    [
      'percent on count',
      { ...countWindow, threshold: { type: 'count', operator: 'Gt', value: 5, percent: 1 } },
      '$.threshold.percent',
    ],
    [
      'percent over 100',
      { ...shareWindow, threshold: { type: 'share', operator: 'Gt', percent: 120 } },
      '$.threshold.percent',
    ],
    [
      'value on share',
      { ...shareWindow, threshold: { type: 'share', operator: 'Gt', percent: 2, value: 1 } },
      '$.threshold.value',
    ],
    [
      'bad operator',
      { ...shareWindow, threshold: { type: 'share', operator: '>', percent: 2 } },
      '$.threshold.operator',
    ],
  ])('rejects %s', (_name, json, path) => {
    expect(errorsOf(validateWindow(json)).map((e) => e.path)).toEqual([path]);
  });
});

describe('validateMitigation / validateAction / validateEntityDefinition', () => {
  it.each(['Monitor', 'Challenge', 'Block'])('accepts mode %s', (mode) => {
    expect(validateMitigation({ mitigation_id: 'm', name: 'M', mode }).ok).toBe(true);
  });
  it('accepts would_mode only on Monitor', () => {
    expect(
      validateMitigation({
        mitigation_id: 'm',
        name: 'M',
        mode: 'Monitor',
        would_mode: 'Challenge',
      }).ok,
    ).toBe(true);
    expect(
      errorsOf(
        validateMitigation({ mitigation_id: 'm', name: 'M', mode: 'Block', would_mode: 'Block' }),
      ),
    ).toEqual([{ path: '$.would_mode', message: 'only a Monitor mitigation has a would_mode' }]);
  });
  it('rejects an unknown mode', () => {
    expect(
      errorsOf(validateMitigation({ mitigation_id: 'm', name: 'M', mode: 'Log' }))[0]?.path,
    ).toBe('$.mode');
  });
  it('validates an action and its expression', () => {
    const action = { action_id: 'login', name: 'login', expression };
    expect(validateAction(action)).toEqual({ ok: true, value: action });
    expect(errorsOf(validateAction({ ...action, expression: {} }))[0]?.path).toBe('$.expression');
  });
  it('validates entity definitions: non-empty, valid field names', () => {
    const entity = {
      entity_definition_id: 'e',
      name: 'IP + UA',
      fields: ['client_ip', 'user_agent'],
    };
    expect(validateEntityDefinition(entity)).toEqual({ ok: true, value: entity });
    expect(errorsOf(validateEntityDefinition({ ...entity, fields: [] }))[0]?.path).toBe('$.fields');
    expect(
      errorsOf(validateEntityDefinition({ ...entity, fields: ['ip', 'User-Agent'] }))[0]?.path,
    ).toBe('$.fields[1]');
  });
});

describe('validatePolicy', () => {
  const simple = {
    policy_id: 'p1',
    name: 'Login burst',
    expression: { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/login' } },
    action_ids: ['login'],
    entity_definition_id: 'sys_client_ip',
    mitigation_id: 'm_block',
    window: countWindow,
    enabled: true,
  };
  const clauses = {
    policy_id: 'p2',
    name: 'Share',
    clauses: [
      { match: { FieldExists: { field_name: 'request_query_foo' } }, mitigation_id: 'm_monitor' },
      { entity_definition_ids: ['sys_client_ip'], mitigation_id: 'm_block', window: shareWindow },
    ],
    enabled: true,
  };
  it('accepts form (a): action_ids, entity_definition_id, mitigation_id, window', () => {
    expect(validatePolicy(simple)).toEqual({ ok: true, value: simple });
  });
  it('accepts form (a) with only mitigation_id', () => {
    expect(
      validatePolicy({ policy_id: 'p', name: 'n', mitigation_id: 'm', enabled: false }).ok,
    ).toBe(true);
  });
  it('accepts form (b): clauses', () => {
    expect(validatePolicy(clauses)).toEqual({ ok: true, value: clauses });
  });
  it.each([
    [
      'form a keys beside clauses',
      { ...clauses, mitigation_id: 'm' },
      '$.mitigation_id',
      /together with clauses/,
    ],
    ['no clauses', { ...clauses, clauses: [] }, '$.clauses', /at least 1/],
    [
      'clause without mitigation',
      { ...clauses, clauses: [{ match: expression }] },
      '$.clauses[0].mitigation_id',
      /required/,
    ],
    [
      'unknown clause key',
      { ...clauses, clauses: [{ mitigation_id: 'm', entity_definition_id: 'e' }] },
      '$.clauses[0].entity_definition_id',
      /unknown key/,
    ],
    [
      'window without entity (a)',
      { ...simple, entity_definition_id: undefined },
      '$.window',
      /needs entity_definition_id/,
    ],
    [
      'window without entity (b)',
      { ...clauses, clauses: [{ mitigation_id: 'm', window: countWindow }] },
      '$.clauses[0].window',
      /needs entity_definition_ids/,
    ],
    [
      'window with empty entity list',
      {
        ...clauses,
        clauses: [{ mitigation_id: 'm', entity_definition_ids: [], window: countWindow }],
      },
      '$.clauses[0].window',
      /needs/,
    ],
    ['duplicate action ids', { ...simple, action_ids: ['a', 'a'] }, '$.action_ids[1]', /duplicate/],
    [
      'form (a) without mitigation',
      { policy_id: 'p', name: 'n', enabled: true },
      '$.mitigation_id',
      /required/,
    ],
    [
      'bad window',
      { ...simple, window: { ...countWindow, window_seconds: 30 } },
      '$.window.window_seconds',
      /one of/,
    ],
  ])('rejects %s', (_name, json, path, message) => {
    const errors = errorsOf(validatePolicy(JSON.parse(JSON.stringify(json))));
    expect(errors.map((e) => e.path)).toContain(path);
    expect(errors.find((e) => e.path === path)?.message).toMatch(message);
  });
});

describe('validateTenantConfig', () => {
  const tenant = {
    tenant_id: 't1',
    actions: [{ action_id: 'login', name: 'login', expression }],
    entity_definitions: [
      { entity_definition_id: 'ip_ref', name: 'ip + referer', fields: ['ip', 'referer'] },
    ],
    mitigations: [{ mitigation_id: 'm_block', name: 'Block', mode: 'Block' }],
    policies: [
      {
        policy_id: 'p1',
        name: 'p',
        action_ids: ['login'],
        entity_definition_id: 'ip_ref',
        mitigation_id: 'm_block',
        window: countWindow,
        enabled: true,
      },
    ],
    rules: [rule],
  };
  it('accepts a consistent tenant and references to system entities', () => {
    expect(validateTenantConfig(tenant)).toEqual({ ok: true, value: tenant });
    const sys = {
      ...tenant,
      policies: [{ ...tenant.policies[0], entity_definition_id: 'sys_client_ip_user_agent' }],
    };
    expect(validateTenantConfig(sys).ok).toBe(true);
  });
  it.each([
    [
      'unknown mitigation',
      { policies: [{ ...tenant.policies[0], mitigation_id: 'nope' }] },
      '$.policies[0].mitigation_id',
      /unknown mitigation_id 'nope'/,
    ],
    [
      'unknown action',
      { policies: [{ ...tenant.policies[0], action_ids: ['login', 'x'] }] },
      '$.policies[0].action_ids[1]',
      /unknown action_id/,
    ],
    [
      'unknown entity',
      { policies: [{ ...tenant.policies[0], entity_definition_id: 'nope' }] },
      '$.policies[0].entity_definition_id',
      /unknown entity/,
    ],
    [
      'unknown clause entity',
      {
        policies: [
          {
            policy_id: 'p',
            name: 'p',
            enabled: true,
            clauses: [{ mitigation_id: 'm_block', entity_definition_ids: ['sys_client_ip', 'x'] }],
          },
        ],
      },
      '$.policies[0].clauses[0].entity_definition_ids[1]',
      /unknown entity/,
    ],
    [
      'rule of another tenant',
      { rules: [{ ...rule, tenant_id: 't2' }] },
      '$.rules[0].tenant_id',
      /belongs to tenant 't2'/,
    ],
    [
      'duplicate policy id',
      { policies: [tenant.policies[0], tenant.policies[0]] },
      '$.policies[1]',
      /duplicate id 'p1'/,
    ],
    [
      'system entity id reused',
      {
        entity_definitions: [{ entity_definition_id: 'sys_client_ip', name: 'x', fields: ['ip'] }],
      },
      '$.entity_definitions[0]',
      /duplicate/,
    ],
    [
      'unknown default entity',
      { default_entity_definition_id: 'zzz' },
      '$.default_entity_definition_id',
      /unknown entity/,
    ],
    ['unknown top-level key', { settings: {} }, '$.settings', /unknown key/],
  ])('rejects %s', (_name, patch, path, message) => {
    const errors = errorsOf(validateTenantConfig({ ...tenant, ...patch }));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe(path);
    expect(errors[0]?.message).toMatch(message);
  });
  it('defaults missing lists to empty', () => {
    expect(validateTenantConfig({ tenant_id: 't' })).toEqual({
      ok: true,
      value: {
        tenant_id: 't',
        actions: [],
        entity_definitions: [],
        mitigations: [],
        policies: [],
        rules: [],
      },
    });
  });
});
