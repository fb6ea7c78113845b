import { planCacheScope } from './cache-scope.js';
import { buildIndex, choose, conditionsOf, policyConditions } from './candidate-index.js';
import { type CompiledExpression, compileExpression, stateScopesOf, windowsOf } from './compile.js';
import { entityKey, storeKey } from './entities.js';
import { type Decision, type EnginePlan, evaluateEvent } from './evaluate.js';
import type { ValidationError } from './issues.js';
import { createMemoryStore } from './memory-store.js';
import { compilePolicy, orderRules } from './policy.js';
import type { PolicyStore } from './store.js';
import {
  DEFAULT_ENTITY_DEFINITION_ID,
  DEFAULT_SESSION_ENTITY_DEFINITION_ID,
  SYSTEM_ENTITY_DEFINITIONS,
} from './system-entities.js';
import type {
  EntityDefinition,
  Expression,
  Fields,
  Mitigation,
  Scope,
  TenantConfig,
} from './types.js';
import { validateTenantConfig } from './validate.js';

export interface PolicyEngineOptions {
  /** Counters and state; defaults to a fresh `createMemoryStore()`. */
  store?: PolicyStore;
  /** Milliseconds since the epoch; defaults to `Date.now`. */
  now?: () => number;
  /**
   * Evaluate only the actions, rules and policies an event can match, found by looking its
   * field values up in an index built at compile time (README, "Index"). Default true;
   * `false` runs every expression for every event. Decisions and store effects are the same.
   */
  index?: boolean;
}

export interface PolicyEngine {
  /** The validated tenant configuration the engine was built from. */
  readonly config: TenantConfig;
  /**
   * Decide one event. Counts it once in every window the tenant's policies and rules use,
   * then evaluates actions, rules and policies. Rejects only when the store does.
   */
  evaluate(fields: Fields): Promise<Decision>;
  /**
   * The store key under which `StateCmp` with `scope` looks up state for these fields, or
   * undefined when the scope's entity is absent. Use it to write state with `store.setState`.
   */
  stateKey(scope: Scope, fields: Fields): string | undefined;
}

export class PolicyConfigError extends Error {
  readonly errors: ValidationError[];
  constructor(errors: ValidationError[]) {
    const first = errors[0];
    super(
      `invalid tenant config: ${first ? `${first.path}: ${first.message}` : 'unknown error'}` +
        (errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''),
    );
    this.name = 'PolicyConfigError';
    this.errors = errors;
  }
}

/**
 * Validate and compile a tenant's configuration once; the returned engine evaluates events
 * without re-reading any JSON. Throws PolicyConfigError (with JSON paths) on invalid config.
 */
export function createPolicyEngine(
  config: unknown,
  options: PolicyEngineOptions = {},
): PolicyEngine {
  const checked = validateTenantConfig(config);
  if (!checked.ok) throw new PolicyConfigError(checked.errors);
  return compilePolicyEngine(checked.value, options);
}

/**
 * Compile a configuration that has already been checked (by `validateTenantConfig`, or by
 * `readTenantConfig` for one origin validated) without validating it again: what an edge
 * bundle uses so that the authoring-time validators are not shipped.
 */
export function compilePolicyEngine(
  tenant: TenantConfig,
  options: PolicyEngineOptions = {},
): PolicyEngine {
  const store = options.store ?? createMemoryStore();
  const now = options.now ?? Date.now;

  const entities = new Map<string, EntityDefinition>();
  for (const e of [...SYSTEM_ENTITY_DEFINITIONS, ...(tenant.entity_definitions ?? [])]) {
    entities.set(e.entity_definition_id, e);
  }
  const mitigations = new Map<string, Mitigation>(
    (tenant.mitigations ?? []).map((m) => [m.mitigation_id, m]),
  );
  const scopeEntity: Record<Scope, EntityDefinition> = {
    Entity: entities.get(
      tenant.default_entity_definition_id ?? DEFAULT_ENTITY_DEFINITION_ID,
    ) as EntityDefinition,
    Session: entities.get(
      tenant.session_entity_definition_id ?? DEFAULT_SESSION_ENTITY_DEFINITION_ID,
    ) as EntityDefinition,
  };

  const policies = (tenant.policies ?? [])
    .filter((p) => p.enabled)
    // Ties between equally severe policies go to the lowest policy_id, whatever the list order.
    .sort((a, b) => (a.policy_id < b.policy_id ? -1 : a.policy_id > b.policy_id ? 1 : 0))
    .map((p) => compilePolicy(p, entities, mitigations));
  const rules = orderRules(tenant.rules ?? []);
  const actions: Array<{ action_id: string; test: CompiledExpression }> = (
    tenant.actions ?? []
  ).map((a) => ({ action_id: a.action_id, test: compileExpression(a.expression) }));

  // Every expression that will run, to learn which windows must be counted.
  const expressions: Expression[] = [
    ...(tenant.actions ?? []).map((a) => a.expression),
    ...(tenant.rules ?? []).filter((r) => r.enabled).map((r) => r.expression),
  ];
  for (const p of tenant.policies ?? []) {
    if (!p.enabled) continue;
    if (p.expression) expressions.push(p.expression);
    if ('clauses' in p) for (const c of p.clauses) if (c.match) expressions.push(c.match);
  }
  const counted = new Map<string, { entity: EntityDefinition; window: number }>();
  const totals = new Set<number>();
  const count = (entity: EntityDefinition, window: number) =>
    counted.set(`${entity.entity_definition_id}@${window}`, { entity, window });
  for (const e of expressions) {
    for (const [scope, window] of windowsOf(e)) count(scopeEntity[scope], window);
  }
  for (const p of policies) {
    for (const c of p.clauses) {
      if (!c.window) continue;
      for (const entity of c.entities) count(entity, c.window.window_seconds);
      if (c.window.threshold.type === 'share') totals.add(c.window.window_seconds);
    }
  }
  const usesState = expressions.some((e) => stateScopesOf(e).size > 0);
  const stateFields = new Map<string, { scope: Scope; field: string }>();
  for (const e of expressions) stateFieldsOf(e, stateFields);

  const plan: EnginePlan = {
    tenantId: tenant.tenant_id,
    store,
    now,
    scopeEntity,
    actions,
    rules,
    policies,
    counted: [...counted.values()],
    totals: [...totals],
    usesState,
    stateFields: [...stateFields.values()],
    cacheScope: planCacheScope({
      policies,
      actions: new Map((tenant.actions ?? []).map((a) => [a.action_id, a.expression])),
      rules,
      scopeEntity,
    }),
  };
  // The index only narrows what runs; `index: false` keeps the plain engine to compare with.
  if (options.index !== false) {
    plan.index = buildIndex({
      actions: choose((tenant.actions ?? []).map((a) => conditionsOf(a.expression))),
      rules: choose(rules.map((r) => conditionsOf(r.rule.expression))),
      policies: choose(policies.map(policyConditions)),
    });
  }

  return {
    config: tenant,
    evaluate: (fields) => evaluateEvent(plan, fields),
    stateKey(scope, fields) {
      const entity = scopeEntity[scope];
      const key = entityKey(entity, fields);
      return key === undefined ? undefined : storeKey(tenant.tenant_id, entity, key);
    },
  };
}

/** Every (scope, field) an expression's StateCmp nodes read, keyed `scope\0field`. */
function stateFieldsOf(
  expression: Expression,
  out: Map<string, { scope: Scope; field: string }>,
): void {
  if ('StateCmp' in expression) {
    const { scope, field_name: field } = expression.StateCmp;
    out.set(`${scope}\u0000${field}`, { scope, field });
  } else if ('Not' in expression) stateFieldsOf(expression.Not.expression, out);
  else if ('And' in expression) for (const e of expression.And.expressions) stateFieldsOf(e, out);
  else if ('Or' in expression) for (const e of expression.Or.expressions) stateFieldsOf(e, out);
}
