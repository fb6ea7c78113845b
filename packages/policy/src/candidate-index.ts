/**
 * The candidate index: which actions, rules and policies can possibly match an event, found
 * by looking the event's field values up instead of running every expression.
 *
 * For each item the compiler looks for a *necessary condition*: a set of pairs, (field, value)
 * equalities or (for policies) "action X matched", such that when none of them holds the
 * item cannot match **and** evaluating it would read nothing from the store. The item goes in
 * the bucket of every pair of its condition; an item without one is always a candidate. At
 * evaluation the engine merges the buckets the event hits with the always-list, in the
 * plain engine's order, and runs exactly those. What it skips is provably false and free of
 * side effects: window counting happens up front for every event anyway, and the only store
 * work evaluation itself does is `getState`, which a skipped item would not have reached
 * (the memory store's `getState` moves a key in its LRU order, so a skipped read would show).
 */

import { isNumeric, parseDecimal } from './compare.js';
import { stateScopesOf } from './compile.js';
import type { CompiledPolicy } from './policy.js';
import type { Expression, Fields } from './types.js';

/** One equality that may hold for an event: a field's value, or an action that matched. */
type Pair =
  | { readonly kind: 'field'; readonly field: string; readonly key: string }
  | { readonly kind: 'action'; readonly actionId: string };

/** A necessary condition: when no pair holds, the expression is false without a store read. */
type Condition = readonly Pair[];

/** Positions (in the plain engine's order) of the items a bucket holds, ascending. */
interface Bucket {
  actions: number[];
  rules: number[];
  policies: number[];
}

interface FieldIndex {
  readonly name: string;
  /** Whether a value in this field's buckets is numeric, so event values need normalising. */
  numeric: boolean;
  readonly values: Map<string, Bucket>;
}

export interface CandidateIndex {
  readonly fields: readonly FieldIndex[];
  /** Policies by an action their clauses need. */
  readonly byAction: ReadonlyMap<string, readonly number[]>;
  /** Items with no indexable condition: candidates for every event. */
  readonly always: Readonly<Bucket>;
}

/** Alternatives kept per expression: enough to choose well, bounded for huge And lists. */
const MAX_ALTERNATIVES = 8;
const EMPTY: readonly number[] = [];

/**
 * `Eq` is numeric when both sides are numeric ("7" == "007.0"), so numeric values are keyed
 * by their reduced decimal form. A numeric string never equals a non-numeric one under Eq,
 * and the two kinds of key cannot collide (a reduced decimal is itself numeric).
 */
export function valueKey(value: string): string {
  if (!isNumeric(value)) return value;
  const d = parseDecimal(value);
  return `${d.negative ? '-' : ''}${d.int}${d.frac === '' ? '' : `.${d.frac}`}`;
}

const isSync = (e: Expression) => stateScopesOf(e).size === 0;

/**
 * Every necessary condition found for `expression` (none: not indexable). Each one is also
 * read-free: the compiled And runs its synchronous children first and then the asynchronous
 * ones in order, so a condition of a synchronous child, or of the first asynchronous child,
 * decides `false` before any StateCmp runs; an Or is false without reads only when each of
 * its children is.
 */
export function conditionsOf(expression: Expression): Condition[] {
  if ('FieldCmp' in expression) {
    const { field_name, operator, value } = expression.FieldCmp;
    return operator === 'Eq' ? [[{ kind: 'field', field: field_name, key: valueKey(value) }]] : [];
  }
  if ('Not' in expression) {
    const inner = expression.Not.expression;
    if ('Not' in inner) return conditionsOf(inner.Not.expression);
    // Not(Ne) is Eq, a missing field included (Ne holds on missing, Eq does not).
    if ('FieldCmp' in inner && inner.FieldCmp.operator === 'Ne') {
      return conditionsOf({ FieldCmp: { ...inner.FieldCmp, operator: 'Eq' } });
    }
    return [];
  }
  if ('And' in expression) return andConditions(expression.And.expressions);
  if ('Or' in expression) {
    const union = anyOf(expression.Or.expressions.map(conditionsOf));
    return union ? [union] : [];
  }
  return [];
}

function andConditions(children: readonly Expression[]): Condition[] {
  const out: Condition[] = [];
  let seenAsync = false;
  for (const child of children) {
    const sync = isSync(child);
    // Only the first asynchronous child runs before every other store read.
    if (!sync && seenAsync) continue;
    if (!sync) seenAsync = true;
    for (const c of conditionsOf(child)) if (out.length < MAX_ALTERNATIVES) out.push(c);
  }
  return out;
}

/** An Or of parts holds only if one part does: the union of one condition of each part. */
function anyOf(parts: readonly Condition[][]): Condition | undefined {
  const union: Pair[] = [];
  for (const conditions of parts) {
    if (conditions.length === 0) return undefined;
    const smallest = conditions.reduce((a, b) => (b.length < a.length ? b : a));
    union.push(...smallest);
  }
  return union;
}

/**
 * A policy matches only if its expression holds, so that expression's conditions are the
 * policy's; and only if one clause matches, so one condition per clause, united, is another,
 * provided the expression (evaluated first, whatever it is) reads nothing. A clause needs its
 * `match` or, when `match` reads nothing, one of its `action_ids`.
 */
export function policyConditions(policy: CompiledPolicy): Condition[] {
  const out = policy.expressionSource ? conditionsOf(policy.expressionSource) : [];
  if (policy.expressionSource && !isSync(policy.expressionSource)) return out;
  const perClause = policy.clauses.map((clause) => {
    const found = clause.matchSource ? conditionsOf(clause.matchSource) : [];
    if (clause.actionIds.length > 0 && (!clause.matchSource || isSync(clause.matchSource))) {
      found.push(clause.actionIds.map((actionId): Pair => ({ kind: 'action', actionId })));
    }
    return found;
  });
  const union = anyOf(perClause);
  if (union) out.push(union);
  return out;
}

const pairId = (p: Pair) =>
  p.kind === 'field' ? `f\u0000${p.field}\u0000${p.key}` : `a\u0000${p.actionId}`;

/**
 * Pick one condition per item. Compile time knows no value frequencies, so prefer the
 * condition whose pairs the fewest items share: `method == POST AND path == /x` is filed
 * under its path when many items test POST.
 */
export function choose(conditions: readonly Condition[][]): Array<Condition | undefined> {
  const shared = new Map<string, number>();
  for (const item of conditions) {
    for (const c of item)
      for (const p of c) shared.set(pairId(p), (shared.get(pairId(p)) ?? 0) + 1);
  }
  const cost = (c: Condition) => c.reduce((sum, p) => sum + (shared.get(pairId(p)) ?? 0), 0);
  return conditions.map((item) =>
    item.length === 0 ? undefined : item.reduce((a, b) => (cost(b) < cost(a) ? b : a)),
  );
}

export interface IndexSources {
  actions: ReadonlyArray<Condition | undefined>;
  rules: ReadonlyArray<Condition | undefined>;
  policies: ReadonlyArray<Condition | undefined>;
}

export function buildIndex(sources: IndexSources): CandidateIndex {
  const byName = new Map<string, FieldIndex>();
  const byAction = new Map<string, number[]>();
  const always: Bucket = { actions: [], rules: [], policies: [] };
  for (const kind of ['actions', 'rules', 'policies'] as const) {
    sources[kind].forEach((condition, i) => {
      if (!condition) {
        always[kind].push(i);
        return;
      }
      for (const pair of condition) {
        if (pair.kind === 'field') add(bucketOf(byName, pair.field, pair.key)[kind], i);
        else
          add(
            getOrAdd(byAction, pair.actionId, () => []),
            i,
          );
      }
    });
  }
  return { fields: [...byName.values()], byAction, always };
}

/**
 * Positions are visited in ascending order, so every list stays sorted; a pair repeated in
 * one condition would push the same position twice, hence the last-element check.
 */
function add(list: number[], i: number): void {
  if (list[list.length - 1] !== i) list.push(i);
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  const found = map.get(key);
  if (found !== undefined) return found;
  const value = create();
  map.set(key, value);
  return value;
}

function bucketOf(byName: Map<string, FieldIndex>, field: string, key: string): Bucket {
  const index = getOrAdd(byName, field, () => ({ name: field, numeric: false, values: new Map() }));
  if (isNumeric(key)) index.numeric = true;
  return getOrAdd(index.values, key, () => ({ actions: [], rules: [], policies: [] }));
}

/**
 * The buckets this event's field values hit. One read per indexed field, exactly as
 * `FieldCmp` reads it (own or inherited, strings only), so a lookup never disagrees with the
 * expression it stands for.
 */
export function fieldHits(index: CandidateIndex, fields: Fields): Bucket[] {
  const hits: Bucket[] = [];
  for (const f of index.fields) {
    const v = fields[f.name];
    if (typeof v !== 'string') continue;
    // A non-numeric event value can only equal a non-numeric key, which is stored verbatim.
    const bucket = f.values.get(f.numeric && isNumeric(v) ? valueKey(v) : v);
    if (bucket) hits.push(bucket);
  }
  return hits;
}

/** Positions of one kind to evaluate, ascending (the plain engine's order), no repeats. */
export function candidates(
  always: readonly number[],
  hits: readonly Bucket[],
  kind: keyof Bucket,
  extra: readonly (readonly number[])[] = [],
): readonly number[] {
  let out = always;
  for (const h of hits) out = union(out, h[kind]);
  for (const list of extra) out = union(out, list);
  return out;
}

/** The policies indexed under actions that matched. */
export function actionHits(index: CandidateIndex, matched: readonly string[]) {
  const lists: Array<readonly number[]> = [];
  for (const id of matched) lists.push(index.byAction.get(id) ?? EMPTY);
  return lists;
}

/** Merge two ascending lists without repeats; returns an input as is when the other is empty. */
function union(a: readonly number[], b: readonly number[]): readonly number[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x <= y) i++;
    if (y <= x) j++;
    out.push(Math.min(x, y));
  }
  while (i < a.length) out.push(a[i++] as number);
  while (j < b.length) out.push(b[j++] as number);
  return out;
}
