import { type CompiledExpression, compileExpression } from './compile.js';
import type {
  EntityDefinition,
  Expression,
  Mitigation,
  Policy,
  PolicyClause,
  PolicyWindow,
  RuleDefinition,
} from './types.js';

export interface CompiledClause {
  index: number;
  match: CompiledExpression | undefined;
  /** The JSON `match`, kept for analysis such as the cache scope. */
  matchSource: Expression | undefined;
  actionIds: readonly string[];
  entities: readonly EntityDefinition[];
  mitigation: Mitigation;
  window: PolicyWindow | undefined;
}

export interface CompiledPolicy {
  policy_id: string;
  expression: CompiledExpression | undefined;
  expressionSource: Expression | undefined;
  clauses: CompiledClause[];
}

export interface CompiledRule {
  rule_id: string;
  rule: RuleDefinition;
  test: CompiledExpression;
}

/** Both policy forms as clauses: form (a) is a policy with exactly one clause and no `match`. */
export function clausesOf(policy: Policy): PolicyClause[] {
  if ('clauses' in policy) return policy.clauses;
  const clause: PolicyClause = { mitigation_id: policy.mitigation_id };
  if (policy.action_ids) clause.action_ids = policy.action_ids;
  if (policy.entity_definition_id !== undefined) {
    clause.entity_definition_ids = [policy.entity_definition_id];
  }
  if (policy.window) clause.window = policy.window;
  return [clause];
}

export function compilePolicy(
  policy: Policy,
  entities: ReadonlyMap<string, EntityDefinition>,
  mitigations: ReadonlyMap<string, Mitigation>,
): CompiledPolicy {
  return {
    policy_id: policy.policy_id,
    expression: policy.expression && compileExpression(policy.expression),
    expressionSource: policy.expression,
    clauses: clausesOf(policy).map((clause, index) => ({
      index,
      match: clause.match && compileExpression(clause.match),
      matchSource: clause.match,
      actionIds: clause.action_ids ?? [],
      entities: (clause.entity_definition_ids ?? []).map((id) => lookup(entities, id)),
      mitigation: lookup(mitigations, clause.mitigation_id),
      window: clause.window,
    })),
  };
}

/**
 * Rules run highest `priority` first, ties by `rule_id` in ascending code-unit order, so the
 * order never depends on how the list was stored. Disabled rules are dropped here.
 */
export function orderRules(rules: readonly RuleDefinition[]): CompiledRule[] {
  return rules
    .filter((r) => r.enabled)
    .slice()
    .sort((a, b) =>
      a.priority !== b.priority ? b.priority - a.priority : a.rule_id < b.rule_id ? -1 : 1,
    )
    .map((rule) => ({ rule_id: rule.rule_id, rule, test: compileExpression(rule.expression) }));
}

function lookup<T>(map: ReadonlyMap<string, T>, id: string): T {
  const found = map.get(id);
  // Unreachable after validateTenantConfig, which checks every reference.
  if (found === undefined) throw new Error(`unknown id '${id}'`);
  return found;
}
