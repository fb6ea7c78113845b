import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionsOf, valueKey } from './candidate-index.js';
import { createPolicyEngine } from './engine.js';
import { createMemoryStore } from './memory-store.js';
import type { PolicyStore } from './store.js';
import {
  type Expression,
  type Fields,
  OPERATORS,
  type Policy,
  type PolicyClause,
  SCOPES,
  type TenantConfig,
  WINDOW_SECONDS,
} from './types.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = 1313;
const T0 = 1_700_000_000_000;

const eq = (field_name: string, value: string): Expression => ({
  FieldCmp: { field_name, operator: 'Eq', value },
});
const state: Expression = {
  StateCmp: { scope: 'Entity', field_name: 'risk', operator: 'Eq', value: 'high' },
};
const and = (...expressions: Expression[]): Expression => ({ And: { expressions } });
const or = (...expressions: Expression[]): Expression => ({ Or: { expressions } });
const fieldsOf = (e: Expression) =>
  conditionsOf(e).map((c) => c.map((p) => (p.kind === 'field' ? `${p.field}=${p.key}` : p)));

describe('conditionsOf', () => {
  it('finds equalities that decide false before any store read', () => {
    expect(fieldsOf(eq('a', '1'))).toEqual([['a=1']]);
    expect(fieldsOf(and(eq('a', 'x'), eq('b', 'y')))).toEqual([['a=x'], ['b=y']]);
    expect(fieldsOf(or(eq('a', 'x'), and(eq('b', 'y'), state)))).toEqual([['a=x', 'b=y']]);
    expect(
      fieldsOf({ Not: { expression: { FieldCmp: { ...eqBody('a', 'x'), operator: 'Ne' } } } }),
    ).toEqual([['a=x']]);
    // Synchronous children run first, so the equality still decides before the read.
    expect(fieldsOf(and(state, eq('a', 'x')))).toEqual([['a=x']]);
    expect(fieldsOf(and(and(eq('a', 'x'), state), state))).toEqual([['a=x']]);
  });

  it('finds none where the plain engine would read state first, or could match without it', () => {
    // The first StateCmp runs before the nested And that holds the equality.
    expect(fieldsOf(and(state, and(eq('a', 'x'), state)))).toEqual([]);
    expect(fieldsOf(or(eq('a', 'x'), { FieldExists: { field_name: 'b' } }))).toEqual([]);
    expect(fieldsOf({ FieldCmp: { ...eqBody('a', 'x'), operator: 'Ge' } })).toEqual([]);
    expect(fieldsOf({ Not: { expression: eq('a', 'x') } })).toEqual([]);
  });

  it('keys numbers by value, as Eq compares them', () => {
    expect(['7', '007', '7.0', '7.000'].map(valueKey)).toEqual(['7', '7', '7', '7']);
    expect(['-0', '0.0', '-0.5', 'x7'].map(valueKey)).toEqual(['0', '0', '-0.5', 'x7']);
  });
});

function eqBody(field_name: string, value: string) {
  return { field_name, operator: 'Eq' as const, value };
}

// Small vocabularies, so random expressions and events collide often.
const FIELDS = ['request_path', 'request_method', 'f1', 'client_ip', 'session_id'];
const VALUES = ['a', 'b', '7', '007', '7.0', '-0', '0', '1.5'];
const ACTIONS = ['a0', 'a1', 'a2', 'a3'];
const ENTITIES = ['sys_client_ip', 'sys_session_id', 'sys_ip_referer'];
const MITIGATIONS = ['m_monitor', 'm_challenge', 'm_block'];

const value = fc.constantFrom(...VALUES);
const operator = fc.constantFrom(...OPERATORS);
const children = { minLength: 1, maxLength: 3 };
const { expression } = fc.letrec<{ expression: Expression }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    // Equalities weigh most: they are what the index files items under.
    { arbitrary: fc.record({ FieldCmp: fc.record(eqFields()) }), weight: 4 },
    fc.record({
      FieldCmp: fc.record({ field_name: fc.constantFrom(...FIELDS), operator, value }),
    }),
    fc.record({ FieldExists: fc.record({ field_name: fc.constantFrom(...FIELDS) }) }),
    fc.record({
      StateCmp: fc.record({
        scope: fc.constantFrom(...SCOPES),
        field_name: fc.constantFrom('risk', 'f1'),
        operator,
        value,
      }),
    }),
    fc.record({
      WindowCmp: fc.record({
        scope: fc.constantFrom(...SCOPES),
        counter: fc.constant('EventCount' as const),
        window_seconds: fc.constantFrom(...WINDOW_SECONDS),
        operator,
        value: fc.nat(4).map(String),
      }),
    }),
    fc.record({ Not: fc.record({ expression: tie('expression') }) }),
    fc.record({ And: fc.record({ expressions: fc.array(tie('expression'), children) }) }),
    fc.record({ Or: fc.record({ expressions: fc.array(tie('expression'), children) }) }),
  ),
}));

function eqFields() {
  return { field_name: fc.constantFrom(...FIELDS), operator: fc.constant('Eq' as const), value };
}

const window = fc.record({
  window_seconds: fc.constantFrom(...WINDOW_SECONDS),
  threshold: fc.oneof(
    fc.record({ type: fc.constant('count' as const), operator, value: fc.nat(4) }),
    fc.record(
      {
        type: fc.constant('share' as const),
        operator,
        percent: fc.nat(100),
        min_total: fc.nat(3),
      },
      { requiredKeys: ['type', 'operator', 'percent'] },
    ),
  ),
});
const someOf = (xs: string[]) => fc.subarray(xs, { minLength: 1, maxLength: 2 });

const clause = fc
  .record(
    {
      match: expression,
      action_ids: someOf(ACTIONS),
      entity_definition_ids: someOf(ENTITIES),
      mitigation_id: fc.constantFrom(...MITIGATIONS),
      window,
    },
    { requiredKeys: ['mitigation_id'] },
  )
  .map((c): PolicyClause => {
    // A window needs an entity to count by.
    if (c.window && !c.entity_definition_ids) return { ...c, entity_definition_ids: ENTITIES };
    return c;
  });

const policy = fc.record(
  {
    expression,
    clauses: fc.array(clause, { minLength: 1, maxLength: 3 }),
    enabled: fc.boolean(),
  },
  { requiredKeys: ['clauses', 'enabled'] },
);

const rule = fc.record({
  priority: fc.nat(3),
  enabled: fc.boolean(),
  expression,
  outcome: fc.constantFrom('Allow', 'Observe', 'Challenge', 'Block' as const),
});

const tenantArb = fc
  .record({
    actions: fc.array(expression, { minLength: ACTIONS.length, maxLength: ACTIONS.length }),
    policies: fc.array(policy, { maxLength: 8 }),
    rules: fc.array(rule, { maxLength: 12 }),
    session: fc.boolean(),
  })
  .map(
    ({ actions, policies, rules, session }): TenantConfig => ({
      tenant_id: 'acme',
      actions: actions.map((e, i) => ({ action_id: `a${i}`, name: `a${i}`, expression: e })),
      mitigations: MITIGATIONS.map((id) => ({
        mitigation_id: id,
        name: id,
        mode: id === 'm_monitor' ? 'Monitor' : id === 'm_challenge' ? 'Challenge' : 'Block',
      })),
      policies: policies.map((p, i) => formOf({ policy_id: `p${i}`, name: `p${i}`, ...p })),
      rules: rules.map((r, i) => ({ rule_id: `r${i}`, tenant_id: 'acme', name: `r${i}`, ...r })),
      // The Entity scope is sometimes the session, so StateCmp keys vary too.
      default_entity_definition_id: session ? 'sys_session_id' : 'sys_client_ip',
    }),
  );

/** Form (a) where the one clause allows it, so both seed forms are exercised. */
function formOf(p: Policy & { clauses: PolicyClause[] }): Policy {
  const [only] = p.clauses;
  if (
    p.clauses.length !== 1 ||
    !only ||
    only.match ||
    (only.entity_definition_ids?.length ?? 0) > 1
  ) {
    return p;
  }
  const { clauses: _, ...rest } = p;
  const { entity_definition_ids, ...binding } = only;
  const [entity] = entity_definition_ids ?? [];
  return { ...rest, ...binding, ...(entity ? { entity_definition_id: entity } : {}) } as Policy;
}

const eventArb = fc.record(
  {
    fields: fc.record(
      {
        request_path: value,
        request_method: value,
        f1: value,
        client_ip: fc.constantFrom('1.1.1.1', '2.2.2.2', '7'),
        ip: fc.constantFrom('1.1.1.1', '7'),
        referer: fc.constantFrom('r', 'a'),
        session_id: fc.constantFrom('s1', 's2', 'a'),
      },
      { requiredKeys: [] },
    ),
    dt: fc.nat(40_000),
    set: fc.option(
      fc.record({
        scope: fc.constantFrom(...SCOPES),
        field: fc.constantFrom('risk', 'f1'),
        value: fc.option(value, { nil: undefined }),
      }),
      { nil: undefined },
    ),
  },
  { requiredKeys: ['fields', 'dt'] },
);

type Event = typeof eventArb extends fc.Arbitrary<infer E> ? E : never;

/** A memory store that logs every call and its result, in order; `batched`: with `record`. */
function recordingStore(batched: boolean, maxKeys: number) {
  const inner = createMemoryStore({ maxKeys });
  const log: unknown[] = [];
  const logged =
    <A extends unknown[], R>(name: string, f: (...args: A) => Promise<R>) =>
    async (...args: A) => {
      const result = await f(...args);
      log.push([name, ...args, result]);
      return result;
    };
  const store: PolicyStore = {
    incrementWindow: logged('incrementWindow', inner.incrementWindow),
    countWindow: logged('countWindow', inner.countWindow),
    getState: logged('getState', inner.getState),
    setState: logged('setState', inner.setState),
  };
  if (batched) store.record = logged('record', inner.record);
  return { store, log, inner };
}

async function run(
  config: TenantConfig,
  events: Array<Event>,
  index: boolean,
  batched = false,
  maxKeys = 6,
) {
  const { store, log, inner } = recordingStore(batched, maxKeys);
  let now = T0;
  const engine = createPolicyEngine(config, { store, now: () => now, index });
  const decisions = [];
  for (const event of events) {
    now += event.dt;
    const fields = event.fields as Fields;
    if (event.set) {
      const key = engine.stateKey(event.set.scope, fields);
      if (key) await store.setState(event.set.scope, key, event.set.field, event.set.value);
    }
    decisions.push(await engine.evaluate(fields));
  }
  return { decisions, log, size: inner.size };
}

describe('the indexed engine', () => {
  it('decides as the plain one and leaves the same store (differential)', async () => {
    await fc.assert(
      fc.asyncProperty(
        tenantArb,
        fc.array(eventArb, { minLength: 1, maxLength: 8 }),
        async (t, events) => {
          const plain = await run(t, events, false);
          const indexed = await run(t, events, true);
          expect(indexed).toEqual(plain);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('decides alike with one batched store call per event, indexed or not (differential)', async () => {
    await fc.assert(
      fc.asyncProperty(
        tenantArb,
        fc.array(eventArb, { minLength: 1, maxLength: 8 }),
        async (t, events) => {
          const plain = await run(t, events, false, true);
          const indexed = await run(t, events, true, true);
          // The batched log is the same whether the index skips expressions or not.
          expect(indexed).toEqual(plain);
          // Batched reads every state field up front, so with a tiny LRU bound it would evict
          // in another order: the per-key comparison uses a store that does not evict.
          const perKeyRoomy = await run(t, events, false, false, 1000);
          const batchedRoomy = await run(t, events, true, true, 1000);
          expect(batchedRoomy.decisions).toEqual(perKeyRoomy.decisions);
          const calls = plain.log.filter((entry) => (entry as unknown[])[0] !== 'setState');
          expect(calls.every((entry) => (entry as unknown[])[0] === 'record')).toBe(true);
          expect(calls.length).toBeLessThanOrEqual(events.length);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
