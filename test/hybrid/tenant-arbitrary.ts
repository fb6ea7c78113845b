/**
 * fast-check arbitraries of valid tenant configurations (`@esper/policy`'s types, checked with
 * its validator by the caller) whose rules and policies read the request fields the demo's
 * traffic carries, with values taken from that traffic so that they match some of it.
 */
import type {
  ActionDefinition,
  EntityDefinition,
  Expression,
  Mitigation,
  Policy,
  PolicyClause,
  PolicyWindow,
  RuleDefinition,
  TenantConfig,
} from '@esper/policy';
import { OPERATORS, OUTCOMES, SYSTEM_ENTITY_DEFINITIONS, WINDOW_SECONDS } from '@esper/policy';
import fc from 'fast-check';
import type { DemoRequest } from './support.js';

export const TENANT_ID = 'gen';

/** Field name → values seen in the traffic (plus a few that match nothing or compare as numbers). */
export function valuePools(traffic: readonly DemoRequest[]): Record<string, string[]> {
  const uniq = (xs: Iterable<string>) => [...new Set(xs)].sort();
  const paths = uniq(traffic.map((r) => r.path.split('?')[0]!));
  const queries = uniq(
    traffic.flatMap((r) => (r.path.includes('?') ? [r.path.split('?')[1]!] : [])),
  );
  const uas = uniq(traffic.map((r) => r.headers['user-agent'] ?? ''));
  const ips = uniq(traffic.map((r) => r.ip));
  const accepts = uniq(traffic.map((r) => r.headers.accept ?? ''));
  const extra = ['', '0', '5', 'zzz', '/articles/', '/articles0'];
  return {
    request_method: ['GET', 'POST', 'PUT'],
    request_path: [...paths.slice(0, 12), '/', '/articles/', '/articles0', '/login'],
    request_query: [...queries, 'foo=baz'],
    request_query_foo: ['bar', 'baz', ''],
    user_agent: uas,
    request_header_user_agent: uas,
    client_ip: ips,
    ip: ips,
    request_header_accept: accepts,
    request_host: ['app.test', 'other.test'],
    request_scheme: ['http', 'https'],
    source_id: ['web-app', 'partner-gateway'],
    trust_level: ['high', 'low'],
    referer: extra,
    session_id: extra,
  };
}

/** Fields an entity is made of. */
const ENTITY_FIELDS = [
  'client_ip',
  'user_agent',
  'request_path',
  'request_method',
  'request_query_foo',
  'source_id',
];

const MITIGATIONS: Mitigation[] = [
  { mitigation_id: 'mit_monitor', name: 'Monitor', mode: 'Monitor' },
  {
    mitigation_id: 'mit_monitor_ch',
    name: 'Monitor as challenge',
    mode: 'Monitor',
    would_mode: 'Challenge',
  },
  { mitigation_id: 'mit_challenge', name: 'Challenge', mode: 'Challenge' },
  { mitigation_id: 'mit_block', name: 'Block', mode: 'Block' },
];
const MITIGATION_IDS = MITIGATIONS.map((m) => m.mitigation_id);
const SYSTEM_ENTITY_IDS = SYSTEM_ENTITY_DEFINITIONS.map((e) => e.entity_definition_id);

function expression(pools: Record<string, string[]>): fc.Arbitrary<Expression> {
  const fields = Object.keys(pools);
  const small = fc.integer({ min: 0, max: 12 }).map(String);
  const fieldCmp = fc
    .constantFrom(...fields)
    .chain((field_name) =>
      fc.record({
        field_name: fc.constant(field_name),
        operator: fc.constantFrom(...OPERATORS),
        value: fc.constantFrom(...pools[field_name]!),
      }),
    )
    .map((FieldCmp): Expression => ({ FieldCmp }));
  const fieldExists = fc
    .constantFrom(...fields, 'request_query_page')
    .map((field_name): Expression => ({ FieldExists: { field_name } }));
  const windowCmp = fc
    .record({
      scope: fc.constantFrom('Entity' as const, 'Session' as const),
      counter: fc.constant('EventCount' as const),
      window_seconds: fc.constantFrom(...WINDOW_SECONDS),
      operator: fc.constantFrom(...OPERATORS),
      value: small,
    })
    .map((WindowCmp): Expression => ({ WindowCmp }));
  // Nothing writes state in these runs: a StateCmp reads a missing value (only `Ne` holds).
  const stateCmp = fc
    .record({
      scope: fc.constantFrom('Entity' as const, 'Session' as const),
      field_name: fc.constantFrom('risk', 'score'),
      operator: fc.constantFrom(...OPERATORS),
      value: small,
    })
    .map((StateCmp): Expression => ({ StateCmp }));
  const leaf = fc.oneof(
    { arbitrary: fieldCmp, weight: 6 },
    { arbitrary: fieldExists, weight: 1 },
    { arbitrary: windowCmp, weight: 2 },
    { arbitrary: stateCmp, weight: 1 },
  );
  const { node } = fc.letrec<{ node: Expression }>((tie) => ({
    node: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'expr' },
      { arbitrary: leaf, weight: 4 },
      fc
        .array(tie('node'), { minLength: 1, maxLength: 3 })
        .map((expressions): Expression => ({ And: { expressions } })),
      fc
        .array(tie('node'), { minLength: 1, maxLength: 3 })
        .map((expressions): Expression => ({ Or: { expressions } })),
      tie('node').map((e): Expression => ({ Not: { expression: e } })),
    ),
  }));
  return node;
}

const windowArb: fc.Arbitrary<PolicyWindow> = fc.record({
  window_seconds: fc.constantFrom(...WINDOW_SECONDS),
  threshold: fc.oneof(
    fc.record({
      type: fc.constant('count' as const),
      operator: fc.constantFrom(...OPERATORS),
      value: fc.integer({ min: 0, max: 12 }),
    }),
    fc.record(
      {
        type: fc.constant('share' as const),
        operator: fc.constantFrom(...OPERATORS),
        percent: fc.integer({ min: 0, max: 100 }),
        min_total: fc.integer({ min: 0, max: 40 }),
      },
      { requiredKeys: ['type', 'operator', 'percent'] },
    ),
  ),
});

/** `undefined` keys are dropped: JSON has no undefined, and the validator checks keys. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A tenant configuration built from `@esper/policy`'s shapes; ids never collide across kinds. */
export function tenantConfigArb(pools: Record<string, string[]>): fc.Arbitrary<TenantConfig> {
  const expr = expression(pools);
  const entities = fc
    .array(fc.subarray(ENTITY_FIELDS, { minLength: 1, maxLength: 3 }), { maxLength: 2 })
    .map((lists): EntityDefinition[] =>
      lists.map((fields, i) => ({ entity_definition_id: `ent_${i}`, name: `entity ${i}`, fields })),
    );
  const actions = fc
    .array(expr, { maxLength: 3 })
    .map((exprs): ActionDefinition[] =>
      exprs.map((expression, i) => ({ action_id: `act_${i}`, name: `action ${i}`, expression })),
    );
  return fc.tuple(entities, actions).chain(([entity_definitions, actionDefs]) => {
    const entityIds = [
      ...SYSTEM_ENTITY_IDS,
      ...entity_definitions.map((e) => e.entity_definition_id),
    ];
    const actionIds = actionDefs.map((a) => a.action_id);
    const actionIdsArb =
      actionIds.length === 0
        ? fc.constant(undefined)
        : fc.option(fc.subarray(actionIds, { minLength: 1 }), { nil: undefined });
    const entityArb = fc.constantFrom(...entityIds);
    // A window needs an entity to count by.
    const windowed = fc.oneof(
      fc.record({
        window: fc.constant(undefined),
        entity: fc.option(entityArb, { nil: undefined }),
      }),
      fc.record({ window: windowArb, entity: entityArb }),
    );
    const simple = fc
      .record({
        expression: fc.option(expr, { nil: undefined }),
        action_ids: actionIdsArb,
        mitigation_id: fc.constantFrom(...MITIGATION_IDS),
        windowed,
        enabled: fc.boolean(),
      })
      .map(({ windowed: w, ...p }) =>
        compact({ ...p, entity_definition_id: w.entity, window: w.window }),
      );
    const clause: fc.Arbitrary<PolicyClause> = fc
      .record({
        match: fc.option(expr, { nil: undefined }),
        action_ids: actionIdsArb,
        mitigation_id: fc.constantFrom(...MITIGATION_IDS),
        windowed: fc.oneof(
          fc.record({
            window: fc.constant(undefined),
            ids: fc.option(fc.subarray(entityIds, { minLength: 1, maxLength: 2 }), {
              nil: undefined,
            }),
          }),
          fc.record({
            window: windowArb,
            ids: fc.subarray(entityIds, { minLength: 1, maxLength: 2 }),
          }),
        ),
      })
      .map(({ windowed: w, ...c }) =>
        compact({ ...c, entity_definition_ids: w.ids, window: w.window }),
      );
    const clauses = fc.record({
      expression: fc.option(expr, { nil: undefined }),
      clauses: fc.array(clause, { minLength: 1, maxLength: 3 }),
      enabled: fc.boolean(),
    });
    const policies = fc
      .array(fc.oneof(simple, clauses), { minLength: 1, maxLength: 5 })
      .map((ps): Policy[] =>
        ps.map((p, i) => compact({ policy_id: `pol_${i}`, name: `policy ${i}`, ...p }) as Policy),
      );
    const rules = fc
      .array(
        fc.record({
          priority: fc.integer({ min: 0, max: 3 }),
          outcome: fc.constantFrom(...OUTCOMES),
          enabled: fc.boolean(),
          expression: expr,
        }),
        { maxLength: 4 },
      )
      .map((rs): RuleDefinition[] =>
        rs.map((r, i) => ({ rule_id: `rule_${i}`, tenant_id: TENANT_ID, name: `rule ${i}`, ...r })),
      );
    return fc
      .record({
        policies,
        rules,
        default_entity_definition_id: fc.option(entityArb, { nil: undefined }),
        session_entity_definition_id: fc.option(entityArb, { nil: undefined }),
      })
      .map((rest) =>
        compact({
          tenant_id: TENANT_ID,
          actions: actionDefs,
          entity_definitions,
          mitigations: MITIGATIONS,
          ...rest,
        }),
      );
  });
}
