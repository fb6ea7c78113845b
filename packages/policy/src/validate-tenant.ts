import {
  checkKeys,
  childPath,
  expectObject,
  type Issues,
  type JsonObject,
  readArray,
} from './issues.js';
import { LIMITS } from './limits.js';
import { SYSTEM_ENTITY_DEFINITIONS } from './system-entities.js';
import type {
  ActionDefinition,
  EntityDefinition,
  Mitigation,
  Policy,
  TenantConfig,
} from './types.js';
import { has, type Parser, readId } from './validate-common.js';
import {
  parseAction,
  parseEntityDefinition,
  parseMitigation,
  parseRule,
} from './validate-definitions.js';
import { parsePolicy } from './validate-policy.js';

function parseList<T>(
  json: JsonObject,
  key: string,
  path: string,
  issues: Issues,
  max: number,
  parse: Parser<T>,
  idOf: (item: T) => string,
  taken: ReadonlySet<string> = new Set(),
): T[] | undefined {
  if (!has(json, key)) return [];
  const at = childPath(path, key);
  const items = readArray(json[key], at, issues, { max });
  if (!items) return undefined;
  const out: T[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const value = parse(item, childPath(at, i), issues);
    if (value === undefined) return;
    const id = idOf(value);
    if (seen.has(id) || taken.has(id)) {
      issues.add(childPath(at, i), `duplicate id '${id}'`);
      return;
    }
    seen.add(id);
    out.push(value);
  });
  return out.length === items.length ? out : undefined;
}

interface References {
  entity(id: string, path: string): void;
  action(id: string, path: string): void;
  mitigation(id: string, path: string): void;
}

/** Every id a policy names must be defined (when that list itself parsed). */
function referencesIn(
  lists: {
    actions?: ActionDefinition[];
    entity_definitions?: EntityDefinition[];
    mitigations?: Mitigation[];
  },
  systemIds: Set<string>,
  issues: Issues,
): References {
  const entityIds = new Set([
    ...systemIds,
    ...(lists.entity_definitions ?? []).map((e) => e.entity_definition_id),
  ]);
  const actionIds = new Set((lists.actions ?? []).map((a) => a.action_id));
  const mitigationIds = new Set((lists.mitigations ?? []).map((m) => m.mitigation_id));
  return {
    entity(id, p) {
      if (lists.entity_definitions && !entityIds.has(id))
        issues.add(p, `unknown entity_definition_id '${id}'`);
    },
    action(id, p) {
      if (lists.actions && !actionIds.has(id)) issues.add(p, `unknown action_id '${id}'`);
    },
    mitigation(id, p) {
      if (lists.mitigations && !mitigationIds.has(id))
        issues.add(p, `unknown mitigation_id '${id}'`);
    },
  };
}

function checkPolicyReferences(policies: Policy[], path: string, refs: References) {
  policies.forEach((policy, i) => {
    const p = childPath(path, i);
    if ('clauses' in policy) {
      policy.clauses.forEach((clause, j) => {
        const c = childPath(childPath(p, 'clauses'), j);
        refs.mitigation(clause.mitigation_id, childPath(c, 'mitigation_id'));
        (clause.action_ids ?? []).forEach((id, k) => {
          refs.action(id, childPath(childPath(c, 'action_ids'), k));
        });
        (clause.entity_definition_ids ?? []).forEach((id, k) => {
          refs.entity(id, childPath(childPath(c, 'entity_definition_ids'), k));
        });
      });
    } else {
      refs.mitigation(policy.mitigation_id, childPath(p, 'mitigation_id'));
      (policy.action_ids ?? []).forEach((id, k) => {
        refs.action(id, childPath(childPath(p, 'action_ids'), k));
      });
      if (policy.entity_definition_id !== undefined) {
        refs.entity(policy.entity_definition_id, childPath(p, 'entity_definition_id'));
      }
    }
  });
}

function parseLists(
  json: Record<string, unknown>,
  path: string,
  issues: Issues,
  systemIds: Set<string>,
) {
  return {
    actions: parseList(
      json,
      'actions',
      path,
      issues,
      LIMITS.actions,
      parseAction,
      (a) => a.action_id,
    ),
    entity_definitions: parseList(
      json,
      'entity_definitions',
      path,
      issues,
      LIMITS.entityDefinitions,
      parseEntityDefinition,
      (e) => e.entity_definition_id,
      systemIds,
    ),
    mitigations: parseList(
      json,
      'mitigations',
      path,
      issues,
      LIMITS.mitigations,
      parseMitigation,
      (m) => m.mitigation_id,
    ),
    policies: parseList(
      json,
      'policies',
      path,
      issues,
      LIMITS.policies,
      parsePolicy,
      (p) => p.policy_id,
    ),
    rules: parseList(json, 'rules', path, issues, LIMITS.rules, parseRule, (r) => r.rule_id),
  };
}

const DEFAULT_KEYS = ['default_entity_definition_id', 'session_entity_definition_id'] as const;

export function parseTenantConfig(
  json: unknown,
  path: string,
  issues: Issues,
): TenantConfig | undefined {
  if (!expectObject(json, path, issues)) return undefined;
  checkKeys(
    json,
    path,
    issues,
    ['tenant_id'],
    ['actions', 'entity_definitions', 'mitigations', 'policies', 'rules', ...DEFAULT_KEYS],
  );
  const at = (k: string) => childPath(path, k);
  const tenant_id = has(json, 'tenant_id')
    ? readId(json.tenant_id, at('tenant_id'), issues)
    : undefined;
  const systemIds = new Set(SYSTEM_ENTITY_DEFINITIONS.map((e) => e.entity_definition_id));
  const lists = parseLists(json, path, issues, systemIds);
  const refs = referencesIn(lists, systemIds, issues);
  const defaults: Record<string, string> = {};
  for (const key of DEFAULT_KEYS) {
    if (!has(json, key)) continue;
    const id = readId(json[key], at(key), issues);
    if (id !== undefined) {
      refs.entity(id, at(key));
      defaults[key] = id;
    }
  }
  checkPolicyReferences(lists.policies ?? [], at('policies'), refs);
  // Results (and hybrid events, which name only the decider's id) count by id: a rule and a
  // policy sharing one could not be told apart.
  const policyIds = new Set((lists.policies ?? []).map((p) => p.policy_id));
  (lists.rules ?? []).forEach((rule, i) => {
    if (policyIds.has(rule.rule_id)) {
      issues.add(
        childPath(childPath(at('rules'), i), 'rule_id'),
        `'${rule.rule_id}' is also a policy_id; rules and policies may not share an id`,
      );
    }
    if (tenant_id !== undefined && rule.tenant_id !== tenant_id) {
      issues.add(
        childPath(childPath(at('rules'), i), 'tenant_id'),
        `rule belongs to tenant '${rule.tenant_id}', not '${tenant_id}'`,
      );
    }
  });
  const { actions, entity_definitions, mitigations, policies, rules } = lists;
  if (
    tenant_id === undefined ||
    !actions ||
    !entity_definitions ||
    !mitigations ||
    !policies ||
    !rules ||
    issues.errors.length > 0
  ) {
    return undefined;
  }
  return { tenant_id, actions, entity_definitions, mitigations, policies, rules, ...defaults };
}
