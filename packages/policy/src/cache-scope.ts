/**
 * Whether a decision may be reused for every request of the same client key (client IP + user
 * agent, under one API key), or only answers the request it was made for.
 *
 * The SDK caches by client key. A decision is only safe to reuse when every other request of
 * that client would get the same decision: the deciding policy or rule must read nothing but
 * client-key fields (and windows or state of an entity made of them), and nothing that reads
 * anything else may be able to override it (a more severe policy or rule, or a rule ranked
 * before the deciding one). Anything else, a path or a query above all, makes it per request.
 */

import { SEVERITY } from './outcomes.js';
import type { CompiledClause, CompiledPolicy, CompiledRule } from './policy.js';
import type { EntityDefinition, Expression, Outcome, Scope } from './types.js';

export type CacheScope = 'client' | 'request';

/**
 * Fields that are the same on every request of one client key. `source_id` and `trust_level`
 * come from the verified API key, which is fixed for one SDK (and so one decision cache).
 */
export const CLIENT_KEY_FIELDS: ReadonlySet<string> = new Set([
  'client_ip',
  'ip',
  'user_agent',
  'request_header_user_agent',
  'source_id',
  'trust_level',
]);

export function isClientEntity(entity: EntityDefinition): boolean {
  return entity.fields.every((f) => CLIENT_KEY_FIELDS.has(f));
}

/** Whether an expression reads only client-key fields and client-keyed windows or state. */
export function readsOnlyClient(
  expression: Expression,
  clientScope: Readonly<Record<Scope, boolean>>,
): boolean {
  if ('FieldCmp' in expression) return CLIENT_KEY_FIELDS.has(expression.FieldCmp.field_name);
  if ('FieldExists' in expression) return CLIENT_KEY_FIELDS.has(expression.FieldExists.field_name);
  // The tenant total a share threshold divides by is not per request either, so a window is
  // judged by its entity alone.
  if ('WindowCmp' in expression) return clientScope[expression.WindowCmp.scope];
  if ('StateCmp' in expression) return clientScope[expression.StateCmp.scope];
  if ('Not' in expression) return readsOnlyClient(expression.Not.expression, clientScope);
  const children = 'And' in expression ? expression.And.expressions : expression.Or.expressions;
  return children.every((e) => readsOnlyClient(e, clientScope));
}

/** What the plan needs to answer `cacheScopeOf` without walking expressions per event. */
export interface CacheScopePlan {
  /** By policy_id: whether the policy's outcome depends on the client key only. */
  clientPolicies: ReadonlySet<string>;
  /** By rule_id: the rule, and every rule ranked before it, read the client key only. */
  clientRulePrefix: ReadonlySet<string>;
  /**
   * The most severe outcome a policy, or a rule, that reads more than the client key could
   * produce for another request of the client (0: none).
   */
  otherPolicyMax: number;
  otherRuleMax: number;
}

export interface ScopeSources {
  policies: readonly CompiledPolicy[];
  /** Action expressions by action_id. */
  actions: ReadonlyMap<string, Expression>;
  rules: readonly CompiledRule[];
  scopeEntity: Readonly<Record<Scope, EntityDefinition>>;
}

export function planCacheScope(sources: ScopeSources): CacheScopePlan {
  const clientScope: Record<Scope, boolean> = {
    Entity: isClientEntity(sources.scopeEntity.Entity),
    Session: isClientEntity(sources.scopeEntity.Session),
  };
  const onlyClient = (e: Expression | undefined) =>
    e === undefined || readsOnlyClient(e, clientScope);
  const clauseIsClient = (clause: CompiledClause) =>
    onlyClient(clause.matchSource) &&
    clause.actionIds.every((id) => onlyClient(sources.actions.get(id))) &&
    (!clause.window || clause.entities.every(isClientEntity));

  const clientPolicies = new Set<string>();
  let otherPolicyMax = 0;
  for (const policy of sources.policies) {
    if (onlyClient(policy.expressionSource) && policy.clauses.every(clauseIsClient)) {
      clientPolicies.add(policy.policy_id);
    } else {
      for (const c of policy.clauses) otherPolicyMax = Math.max(otherPolicyMax, severityOf(c));
    }
  }
  const clientRulePrefix = new Set<string>();
  let otherRuleMax = 0;
  let prefixIsClient = true;
  for (const rule of sources.rules) {
    const isClient = onlyClient(rule.rule.expression);
    prefixIsClient &&= isClient;
    if (prefixIsClient) clientRulePrefix.add(rule.rule_id);
    if (!isClient) otherRuleMax = Math.max(otherRuleMax, SEVERITY[rule.rule.outcome]);
  }
  return { clientPolicies, clientRulePrefix, otherPolicyMax, otherRuleMax };
}

function severityOf(clause: CompiledClause): number {
  const mode = clause.mitigation.mode;
  return SEVERITY[mode === 'Monitor' ? 'Observe' : mode];
}

/**
 * The scope of a decision won by `winner` (undefined: nothing matched, an allow). Ties count
 * as overrides: another policy of equal severity would change the reported policy_id.
 */
export function cacheScopeOf(
  plan: CacheScopePlan,
  winner:
    | { kind: 'policy' | 'rule'; policy_id?: string; rule_id?: string; outcome: Outcome }
    | undefined,
): CacheScope {
  const severity = SEVERITY[winner?.outcome ?? 'Allow'];
  if (plan.otherPolicyMax >= severity) return 'request';
  // Only the first matching rule is a candidate: a deciding rule can be displaced only by a
  // rule ranked before it, which the prefix covers; otherwise any rule could become one.
  if (winner?.kind === 'rule') {
    return plan.clientRulePrefix.has(winner.rule_id ?? '') ? 'client' : 'request';
  }
  if (plan.otherRuleMax >= severity) return 'request';
  if (!winner) return 'client';
  return plan.clientPolicies.has(winner.policy_id ?? '') ? 'client' : 'request';
}
