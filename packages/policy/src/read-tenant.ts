/**
 * The lean reader of a tenant configuration that was validated where it was written (origin's
 * definitions API), for runtimes that only receive it, such as an edge bundle. It checks the
 * structure the engine relies on: every shape, type, enum, id, reference, duplicate and
 * expression bound that could make `compilePolicyEngine` throw or decide differently, and every
 * key (a misspelt optional key such as `expresion` would silently widen a policy). It does not
 * repeat the authoring checks that cannot change a decision (name and description lengths, list
 * sizes, a rule's `tenant_id`), and its messages are short. Every configuration
 * `validateTenantConfig` accepts, it accepts (tests in read-tenant.test.ts).
 */
import { NUMERIC } from './compare.js';
import type { ValidationError, ValidationResult } from './issues.js';
import { FIELD_NAME_PATTERN, ID_PATTERN, LIMITS } from './limits.js';
import { SYSTEM_ENTITY_DEFINITIONS } from './system-entities.js';
import {
  COUNTERS,
  MITIGATION_MODES,
  OPERATORS,
  OUTCOMES,
  SCOPES,
  type TenantConfig,
  WINDOW_SECONDS,
} from './types.js';

type Obj = Record<string, unknown>;
/** What a reference names: its id key. */
type Kind = 'entity_definition_id' | 'action_id' | 'mitigation_id';
type Check = (v: unknown, path: string) => unknown;

/** Each object's keys as `name:type` (`name?` when optional); types are `checks` below. */
const NODES: Record<string, string> = {
  And: 'expressions:X',
  Or: 'expressions:X',
  Not: 'expression:e',
  FieldExists: 'field_name:f',
  FieldCmp: 'field_name:f operator:o value:s',
  StateCmp: 'scope:S field_name:f operator:o value:s',
  WindowCmp: 'scope:S counter:C window_seconds:W operator:o value:N',
};
const BINDING = 'mitigation_id:m action_ids?:A window?:T';
const SIMPLE = `policy_id:i name:s enabled:b expression?:e entity_definition_id?:E ${BINDING}`;
const CLAUSES = 'policy_id:i name:s enabled:b expression?:e clauses:K';
const CLAUSE = `match?:e entity_definition_ids?:L ${BINDING}`;
const LISTS: Array<[string, string, string, boolean?]> = [
  ['actions', 'action_id', 'action_id:i name:s expression:e', true],
  ['entity_definitions', 'entity_definition_id', 'entity_definition_id:i name:s fields:F', true],
  ['mitigations', 'mitigation_id', 'mitigation_id:i name:s mode:M would_mode?:w', true],
  ['policies', 'policy_id', ''],
  [
    'rules',
    'rule_id',
    'rule_id:i tenant_id:i name:s enabled:b priority:p expression:e outcome:O description?:s',
  ],
];
const TENANT = `tenant_id:i ${LISTS.map((l) => `${l[0]}?:_`).join(' ')} default_entity_definition_id?:E session_entity_definition_id?:E`;

/**
 * Checks a configuration that was validated at origin before `compilePolicyEngine` gets it;
 * errors carry JSON paths (`$.policies[0].window`). The value is a copy: later changes to
 * `json` do not reach an engine compiled from it. Driven by the key tables above, so that it
 * stays a fraction of the validators' size in a bundle.
 */
export function readTenantConfig(json: unknown): ValidationResult<TenantConfig> {
  const { errors, refs, defined, is, shape, list, binding } = tenantReader();
  if (!shape(json, '$', TENANT)) return { ok: false, errors };
  // Tenant entities may not reuse a system entity's id.
  defined.entity_definition_id = new Set(
    SYSTEM_ENTITY_DEFINITIONS.map((e) => e.entity_definition_id),
  );
  for (const [key, idKey, spec, target] of LISTS) {
    const taken = new Set<unknown>(defined[idKey]);
    if (target) defined[idKey] = taken;
    list((v, path) => {
      const clauses = typeof v === 'object' && v !== null && 'clauses' in v;
      if (!shape(v, path, spec || (clauses ? CLAUSES : SIMPLE))) return;
      if (key === 'policies' && !clauses) binding(v, path, 'entity_definition_id');
      if (v.would_mode !== undefined)
        is(v.mode === 'Monitor', `${path}.would_mode`, 'only for Monitor');
      const id = v[idKey];
      is(!taken.has(id), `${path}.${idKey}`, 'duplicate id');
      taken.add(id);
    })(Object.hasOwn(json, key) ? json[key] : [], `$.${key}`);
  }
  for (const [kind, id, path] of refs)
    is(!!defined[kind]?.has(id), path, `unknown ${kind} '${id}'`);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: structuredClone(json) as unknown as TenantConfig };
}

/** The checks, driven by the key tables, and what they collect while they run. */
function tenantReader() {
  const errors: ValidationError[] = [];
  /** References checked once every list is read: [kind, id, path]. */
  const refs: Array<[Kind, unknown, string]> = [];
  const defined: Record<string, Set<unknown>> = {};
  let nodes = 0;
  let depth = 0;

  const is = (ok: boolean, path: string, message = 'invalid'): boolean => {
    if (!ok && errors.length < 50) errors.push({ path, message });
    return ok;
  };
  const isObj = (v: unknown, path: string): v is Obj =>
    is(typeof v === 'object' && v !== null && !Array.isArray(v), path, 'expected an object');
  /** An object of exactly the keys in `spec`, each checked by its type. */
  const shape = (v: unknown, path: string, spec: string): v is Obj => {
    if (!isObj(v, path)) return false;
    const keys: Record<string, string> = {};
    for (const entry of spec.split(' ')) {
      const [key, type] = entry.split(':') as [string, string];
      const name = key.replace('?', '');
      keys[name] = type;
      if (name === key) is(Object.hasOwn(v, name), `${path}.${name}`, 'required');
    }
    for (const k of Object.keys(v)) {
      const type = Object.hasOwn(keys, k) ? keys[k] : undefined;
      if (is(type !== undefined, `${path}.${k}`, 'unknown key'))
        checks[type as string]?.(v[k], `${path}.${k}`);
    }
    return true;
  };
  const { str, oneOf, num } = scalarChecks(is);
  const list =
    (check: Check, min = 0): Check =>
    (v, path) => {
      if (is(Array.isArray(v) && v.length >= min, path, `expected an array of ${min}+`))
        for (const [i, x] of (v as unknown[]).entries()) check(x, `${path}[${i}]`);
    };
  const ref =
    (kind: Kind): Check =>
    (v, path) => {
      if (checks.i?.(v, path)) refs.push([kind, v, path]);
    };
  /** Distinct ids, each a reference of `kind`. */
  const ids =
    (kind: Kind): Check =>
    (v, path) => {
      const seen = new Set<unknown>();
      list((x, at) => {
        if (is(!seen.has(x), at, 'duplicate id')) ref(kind)(x, at);
        seen.add(x);
      })(v, path);
    };
  const expr: Check = (v, path) => {
    // Bounds per expression, as the validator counts them.
    if (depth === 0) nodes = 0;
    if (!is(++nodes <= LIMITS.expressionNodes && depth < LIMITS.expressionDepth, path, 'too large'))
      return;
    const type = isObj(v, path) ? Object.keys(v) : [];
    const spec = NODES[type[0] as string];
    if (!is(type.length === 1, path, 'expected one node')) return;
    depth++;
    if (is(spec !== undefined && Object.hasOwn(NODES, type[0] as string), path, 'unknown node'))
      shape((v as Obj)[type[0] as string], `${path}.${type[0]}`, spec as string);
    depth--;
  };
  const checks: Record<string, Check> = {
    i: str(ID_PATTERN),
    s: str(),
    f: str(FIELD_NAME_PATTERN),
    N: str(NUMERIC),
    b: oneOf([true, false]),
    o: oneOf(OPERATORS),
    S: oneOf(SCOPES),
    C: oneOf(COUNTERS),
    W: oneOf(WINDOW_SECONDS),
    O: oneOf(OUTCOMES),
    M: oneOf(MITIGATION_MODES),
    w: oneOf(['Challenge', 'Block']),
    p: num(-1e6, 1e6),
    n: num(0, 1e9),
    c: num(0, 100, false),
    e: expr,
    X: list(expr, 1),
    F: list(str(FIELD_NAME_PATTERN), 1),
    m: ref('mitigation_id'),
    E: ref('entity_definition_id'),
    A: ids('action_id'),
    L: ids('entity_definition_id'),
    K: list((v, path) => shape(v, path, CLAUSE) && binding(v, path, 'entity_definition_ids'), 1),
    T: (v, path) => {
      if (!shape(v, path, 'window_seconds:W threshold:_')) return;
      const t = v.threshold as Obj;
      const count = t?.type === 'count';
      const type = `type:${count ? 'n' : 'c'}`.replace(/:./, ':_');
      shape(
        t,
        `${path}.threshold`,
        count ? `${type} operator:o value:n` : `${type} operator:o percent:c min_total?:n`,
      );
      oneOf(['count', 'share'])(t?.type, `${path}.threshold.type`);
    },
  };
  /** A window counts by entity: a policy or clause with one needs its entities. */
  const binding = (o: Obj, path: string, key: string) =>
    !('window' in o) ||
    is(!!(o[key] as unknown[] | string | undefined)?.length, `${path}.window`, `needs ${key}`);

  return { errors, refs, defined, is, shape, list, binding };
}

type Is = (ok: boolean, path: string, message?: string) => boolean;

/** Checks of one value that collect nothing but errors. */
function scalarChecks(is: Is) {
  const str =
    (pattern?: RegExp): Check =>
    (v, path) =>
      is(typeof v === 'string' && (!pattern || pattern.test(v)), path);
  const oneOf =
    (allowed: readonly unknown[]): Check =>
    (v, path) =>
      is(allowed.includes(v), path, `expected one of ${allowed.join(', ')}`);
  const num =
    (min: number, max: number, integer = true): Check =>
    (v, path) =>
      is(
        typeof v === 'number' &&
          (integer ? Number.isInteger(v) : Number.isFinite(v)) &&
          v >= min &&
          v <= max,
        path,
      );
  return { str, oneOf, num };
}
