import { createMemoryStore } from '@esper/policy';
import { describe, expect, it } from 'vitest';
import { loadSnapshot, validateSnapshot } from './snapshot.js';
import { quickstartSnapshot } from './test-support/origin.js';

describe('validateSnapshot', () => {
  it('takes the quickstart snapshot whole', () => {
    const result = validateSnapshot(quickstartSnapshot('v7'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.version).toBe('v7');
    expect(result.value.config.policies?.map((p) => p.policy_id)).toEqual([
      'pol_login_burst',
      'pol_foo_bar',
      'pol_traffic_share',
    ]);
  });

  it('refuses a bad envelope and a bad configuration, every error with its JSON path', () => {
    const bad = quickstartSnapshot('', (config) => {
      config.actions[0].expression.And.expressions[0].FieldCmp.operator = 'Like';
    });
    bad.source = { source_id: 7 };
    const result = validateSnapshot(bad);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual([
      '$.version',
      '$.source.source_id',
      '$.config.actions[0].expression.And.expressions[0].FieldCmp.operator',
    ]);
    expect(validateSnapshot([])).toEqual({
      ok: false,
      errors: [{ path: '$', message: 'expected an object' }],
    });
  });

  it("refuses a configuration of another tenant than the snapshot's", () => {
    const other = quickstartSnapshot('v1');
    other.tenant_id = 'someone-else';
    const result = validateSnapshot(other);
    expect(result.ok ? [] : result.errors).toEqual([
      { path: '$.config.tenant_id', message: 'differs from $.tenant_id' },
    ]);
  });

  it('loads the key context the runtime would take from the API key', () => {
    const loaded = loadSnapshot(quickstartSnapshot(), createMemoryStore(), Date.now);
    expect(loaded.ok && loaded.value.keyContext).toEqual({
      source_id: 'web-app',
      trust_level: 'high',
    });
  });

  it('loads with the lean check: refuses what the engine would run differently, with the path', () => {
    const typo = quickstartSnapshot('v2', (config) => {
      config.policies[1].expresion = config.policies[1].expression;
      delete config.policies[1].expression;
    });
    const refused = loadSnapshot(typo, createMemoryStore(), Date.now);
    expect(refused.ok ? [] : refused.errors.map((e) => e.path)).toContain(
      '$.config.policies[1].expresion',
    );
    // An authoring-only bound (a name's length) does not change a decision: loaded, while the
    // full validateSnapshot still names it.
    const longName = quickstartSnapshot('v3', (config) => {
      config.policies[0].name = 'x'.repeat(500);
    });
    expect(loadSnapshot(longName, createMemoryStore(), Date.now).ok).toBe(true);
    const full = validateSnapshot(longName);
    expect(full.ok ? [] : full.errors.map((e) => e.path)).toEqual(['$.config.policies[0].name']);
  });
});
