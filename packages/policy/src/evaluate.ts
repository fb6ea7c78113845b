import { type CacheScope, type CacheScopePlan, cacheScopeOf } from './cache-scope.js';
import { actionHits, type CandidateIndex, candidates, fieldHits } from './candidate-index.js';
import { compareNumbers } from './compare.js';
import type { CompiledExpression, EvalContext } from './compile.js';
import { entityKey, storeKey, tenantTotalKey } from './entities.js';
import { type Action, enforce, type Mode, OUTCOME_OF_MODE, SEVERITY } from './outcomes.js';
import type { CompiledClause, CompiledPolicy, CompiledRule } from './policy.js';
import type { PolicyStore, StateRead, WindowIncrement } from './store.js';
import type { EntityDefinition, Fields, Outcome, Scope } from './types.js';

/** One policy clause or rule that matched the event. */
export interface Match {
  kind: 'policy' | 'rule';
  policy_id?: string;
  clause_index?: number;
  mitigation_id?: string;
  rule_id?: string;
  outcome: Outcome;
  would_action?: 'challenge' | 'block';
  entity_key?: string;
}

export interface Decision {
  /** What the integration enforces. */
  action: Action;
  /** `monitor`: recorded, not enforced (an Observe outcome). */
  mode: Mode;
  outcome: Outcome;
  /** For a Monitor mitigation: what it would have done if enforced. */
  would_action?: 'challenge' | 'block';
  /** The deciding policy; null when a rule or nothing decided. */
  policy_id: string | null;
  mitigation_id: string | null;
  clause_index?: number;
  /** The deciding rule, when a rule decided. */
  rule_id?: string;
  /** Every action whose expression matched, in configuration order. */
  matched_actions: string[];
  /** The deciding clause's entity, when it has one present for this event. */
  entity_key?: string;
  reason: string;
  /** Everything that matched, the winner included: monitored policies are still recorded. */
  matches: Match[];
  /**
   * `client`: every request of this client key (client IP + user agent, same API key) would
   * get this decision for now, because it and everything that could override it read only
   * client-key fields and windows or state of client-key entities; the runtime may let the
   * SDK reuse it (protocol `cache_scope`). `request`: it holds for this request only.
   */
  cache_scope: CacheScope;
}

/** The compiled engine, as evaluation needs it. */
export interface EnginePlan {
  tenantId: string;
  store: PolicyStore;
  now: () => number;
  scopeEntity: Readonly<Record<Scope, EntityDefinition>>;
  actions: ReadonlyArray<{ action_id: string; test: CompiledExpression }>;
  rules: readonly CompiledRule[];
  policies: readonly CompiledPolicy[];
  counted: ReadonlyArray<{ entity: EntityDefinition; window: number }>;
  totals: readonly number[];
  usesState: boolean;
  /** Every (scope, field) a StateCmp reads: what `record` reads up front. */
  stateFields: ReadonlyArray<{ scope: Scope; field: string }>;
  cacheScope: CacheScopePlan;
  /** Absent: every action, policy and rule runs for every event (the plain engine). */
  index?: CandidateIndex;
}

const TOTAL = '*';

/**
 * Count first, then decide. Counting every window up front (once per event, whatever later
 * short-circuits) keeps counts independent of which expressions happened to run; the reads
 * that follow are then synchronous map lookups. With an index, only the candidates run: the
 * items it leaves out are false for this event and would have read nothing.
 */
export async function evaluateEvent(plan: EnginePlan, fields: Fields): Promise<Decision> {
  const keys = new Map<EntityDefinition, string | undefined>();
  const keyOf = (entity: EntityDefinition) => {
    if (keys.has(entity)) return keys.get(entity);
    const key = entityKey(entity, fields);
    keys.set(entity, key);
    return key;
  };
  let counts: Map<string, number>;
  let state: Map<string, string | undefined> | undefined;
  if (plan.store.record) ({ counts, state } = await recordEvent(plan, keyOf));
  else counts = await countEvent(plan, keyOf);
  const ctx = contextOf(plan, fields, counts, keyOf, state);
  const index = plan.index;
  const hits = index ? fieldHits(index, fields) : undefined;
  const pick = (kind: 'actions' | 'rules' | 'policies', extra?: Array<readonly number[]>) =>
    index && hits ? candidates(index.always[kind], hits, kind, extra) : undefined;

  const matchedActions: string[] = [];
  const actionOrder = pick('actions');
  const actionCount = actionOrder ? actionOrder.length : plan.actions.length;
  for (let j = 0; j < actionCount; j++) {
    const action = plan.actions[
      actionOrder ? (actionOrder[j] as number) : j
    ] as EnginePlan['actions'][number];
    const r = action.test.test(ctx);
    if (typeof r === 'boolean' ? r : await r) matchedActions.push(action.action_id);
  }

  const matches: Match[] = [];
  const policyOrder = pick('policies', index && actionHits(index, matchedActions));
  const policyCount = policyOrder ? policyOrder.length : plan.policies.length;
  for (let j = 0; j < policyCount; j++) {
    const policy = plan.policies[policyOrder ? (policyOrder[j] as number) : j] as CompiledPolicy;
    if (policy.expression) {
      const r = policy.expression.test(ctx);
      if (!(typeof r === 'boolean' ? r : await r)) continue;
    }
    let best: Match | undefined;
    for (const clause of policy.clauses) {
      let m = matchClause(clause, policy, ctx, matchedActions, counts, keyOf);
      if (m instanceof Promise) m = await m;
      if (m && (!best || SEVERITY[m.outcome] > SEVERITY[best.outcome])) best = m;
    }
    if (best) matches.push(best);
  }

  const ruleOrder = pick('rules');
  const ruleCount = ruleOrder ? ruleOrder.length : plan.rules.length;
  for (let j = 0; j < ruleCount; j++) {
    const rule = plan.rules[ruleOrder ? (ruleOrder[j] as number) : j] as CompiledRule;
    const r = rule.test.test(ctx);
    if (typeof r === 'boolean' ? r : await r) {
      matches.push({ kind: 'rule', rule_id: rule.rule_id, outcome: rule.rule.outcome });
      break;
    }
  }

  return decide(matches, matchedActions, plan.cacheScope);
}

/** Count the event in every window in use; resolves to the counts by `entity@window`. */
async function countEvent(plan: EnginePlan, keyOf: KeyOf): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (plan.counted.length === 0 && plan.totals.length === 0) return counts;
  const now = plan.now();
  const jobs: Promise<void>[] = [];
  for (const { entity, window } of plan.counted) {
    const key = keyOf(entity);
    if (key === undefined) continue;
    const id = `${entity.entity_definition_id}@${window}`;
    jobs.push(
      plan.store
        .incrementWindow(storeKey(plan.tenantId, entity, key), window, now)
        .then((n) => void counts.set(id, n)),
    );
  }
  for (const window of plan.totals) {
    jobs.push(
      plan.store
        .incrementWindow(tenantTotalKey(plan.tenantId), window, now)
        .then((n) => void counts.set(`${TOTAL}@${window}`, n)),
    );
  }
  if (jobs.length === 1) await jobs[0];
  else await Promise.all(jobs);
  return counts;
}

/**
 * The batched path: every window and every state field the configuration reads, in one
 * `record` call (one round trip to a network store); no call at all when there is nothing.
 */
async function recordEvent(
  plan: EnginePlan,
  keyOf: KeyOf,
): Promise<{ counts: Map<string, number>; state: Map<string, string | undefined> }> {
  const counts = new Map<string, number>();
  const state = new Map<string, string | undefined>();
  const ids: string[] = [];
  const windows: WindowIncrement[] = [];
  for (const { entity, window } of plan.counted) {
    const key = keyOf(entity);
    if (key === undefined) continue;
    ids.push(`${entity.entity_definition_id}@${window}`);
    windows.push({ key: storeKey(plan.tenantId, entity, key), windowSeconds: window });
  }
  for (const window of plan.totals) {
    ids.push(`${TOTAL}@${window}`);
    windows.push({ key: tenantTotalKey(plan.tenantId), windowSeconds: window });
  }
  const fieldIds: string[] = [];
  const reads: StateRead[] = [];
  for (const { scope, field } of plan.stateFields) {
    const entity = plan.scopeEntity[scope];
    const key = keyOf(entity);
    if (key === undefined) continue;
    fieldIds.push(`${scope}\u0000${field}`);
    reads.push({ scope, key: storeKey(plan.tenantId, entity, key), field });
  }
  if (windows.length === 0 && reads.length === 0) return { counts, state };
  const batch = { tenantId: plan.tenantId, windows, state: reads };
  const result = await (plan.store.record as NonNullable<PolicyStore['record']>)(batch, plan.now());
  for (let i = 0; i < ids.length; i++) counts.set(ids[i] as string, result.counts[i] as number);
  for (let i = 0; i < fieldIds.length; i++) state.set(fieldIds[i] as string, result.state[i]);
  return { counts, state };
}

/**
 * Windows read from the counts; state from what `record` read, else read once per
 * (scope, field) per event.
 */
function contextOf(
  plan: EnginePlan,
  fields: Fields,
  counts: ReadonlyMap<string, number>,
  keyOf: KeyOf,
  preread: ReadonlyMap<string, string | undefined> | undefined,
): EvalContext {
  const stateReads = plan.usesState ? new Map<string, Promise<string | undefined>>() : undefined;
  return {
    fields,
    count: (scope, window) =>
      counts.get(`${plan.scopeEntity[scope].entity_definition_id}@${window}`),
    state(scope, field) {
      const entity = plan.scopeEntity[scope];
      const key = keyOf(entity);
      if (key === undefined) return Promise.resolve(undefined);
      const id = `${scope}\u0000${field}`;
      if (preread) return Promise.resolve(preread.get(id));
      let read = stateReads?.get(id);
      if (!read) {
        read = plan.store.getState(scope, storeKey(plan.tenantId, entity, key), field);
        stateReads?.set(id, read);
      }
      return read;
    },
  };
}

type KeyOf = (entity: EntityDefinition) => string | undefined;

/** Synchronous unless the clause's `match` reads state, so pure clauses cost no microtask. */
function matchClause(
  clause: CompiledClause,
  policy: CompiledPolicy,
  ctx: EvalContext,
  matchedActions: readonly string[],
  counts: ReadonlyMap<string, number>,
  keyOf: KeyOf,
): Match | undefined | Promise<Match | undefined> {
  if (clause.match) {
    const r = clause.match.test(ctx);
    if (typeof r !== 'boolean') {
      return r.then((ok) =>
        ok ? bindClause(clause, policy, matchedActions, counts, keyOf) : undefined,
      );
    }
    if (!r) return undefined;
  }
  return bindClause(clause, policy, matchedActions, counts, keyOf);
}

function bindClause(
  clause: CompiledClause,
  policy: CompiledPolicy,
  matchedActions: readonly string[],
  counts: ReadonlyMap<string, number>,
  keyOf: KeyOf,
): Match | undefined {
  // Any one of the listed actions is enough: an event is usually one behaviour (a login),
  // and a clause listing [login, signup] means either.
  if (clause.actionIds.length > 0 && !clause.actionIds.some((id) => matchedActions.includes(id))) {
    return undefined;
  }
  let entity_key: string | undefined;
  if (clause.window) {
    const { window_seconds: window, threshold } = clause.window;
    // The first listed entity that is present and over the threshold decides.
    for (const entity of clause.entities) {
      const key = keyOf(entity);
      const n = counts.get(`${entity.entity_definition_id}@${window}`);
      if (key === undefined || n === undefined) continue;
      let over: boolean;
      if (threshold.type === 'count') {
        over = compareNumbers(threshold.operator, n, threshold.value);
      } else {
        const total = counts.get(`${TOTAL}@${window}`) ?? 0;
        // Multiplying instead of dividing keeps integer counts exact.
        over =
          total > 0 &&
          total >= (threshold.min_total ?? 0) &&
          compareNumbers(threshold.operator, n * 100, threshold.percent * total);
      }
      if (over) {
        entity_key = key;
        break;
      }
    }
    if (entity_key === undefined) return undefined;
  } else {
    for (const entity of clause.entities) {
      entity_key = keyOf(entity);
      if (entity_key !== undefined) break;
    }
  }
  const mitigation = clause.mitigation;
  const match: Match = {
    kind: 'policy',
    policy_id: policy.policy_id,
    clause_index: clause.index,
    mitigation_id: mitigation.mitigation_id,
    outcome: OUTCOME_OF_MODE[mitigation.mode],
  };
  if (mitigation.mode === 'Monitor') {
    match.would_action = mitigation.would_mode === 'Challenge' ? 'challenge' : 'block';
  }
  if (entity_key !== undefined) match.entity_key = entity_key;
  return match;
}

/**
 * The most severe match wins (Block > Challenge > Observe > Allow). On equal severity the
 * earlier match wins: policies (by policy_id) come before the rule.
 */
function decide(matches: Match[], matchedActions: string[], scopePlan: CacheScopePlan): Decision {
  let winner: Match | undefined;
  for (const m of matches) {
    if (!winner || SEVERITY[m.outcome] > SEVERITY[winner.outcome]) winner = m;
  }
  if (!winner) {
    return {
      action: 'allow',
      mode: 'live',
      outcome: 'Allow',
      policy_id: null,
      mitigation_id: null,
      matched_actions: matchedActions,
      reason: 'no policy or rule matched',
      matches,
      cache_scope: cacheScopeOf(scopePlan, undefined),
    };
  }
  const { action, mode } = enforce(winner.outcome);
  // Plain properties in a fixed order, not a spread: V8 builds spread literals slowly.
  const decision: Decision = {
    action,
    mode,
    outcome: winner.outcome,
    policy_id: winner.policy_id ?? null,
    mitigation_id: winner.mitigation_id ?? null,
    matched_actions: matchedActions,
    reason:
      winner.kind === 'rule'
        ? `rule ${winner.rule_id} matched (${winner.outcome})`
        : `policy ${winner.policy_id} matched (clause ${winner.clause_index}, mitigation ${winner.mitigation_id})`,
    matches,
    cache_scope: cacheScopeOf(scopePlan, winner),
  };
  if (winner.would_action) decision.would_action = winner.would_action;
  if (winner.clause_index !== undefined) decision.clause_index = winner.clause_index;
  if (winner.rule_id !== undefined) decision.rule_id = winner.rule_id;
  if (winner.entity_key !== undefined) decision.entity_key = winner.entity_key;
  return decision;
}
