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
import type { TenantConfig } from './types.js';
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
    [
      'actions',
      'entity_definitions',
      'mitigations',
      'policies',
      'rules',
      'default_entity_definition_id',
      'session_entity_definition_id',
    ],
  );
  const at = (k: string) => childPath(path, k);
  const tenant_id = has(json, 'tenant_id')
    ? readId(json.tenant_id, at('tenant_id'), issues)
    : undefined;
  const systemIds = new Set(SYSTEM_ENTITY_DEFINITIONS.map((e) => e.entity_definition_id));
  const actions = parseList(
    json,
    'actions',
    path,
    issues,
    LIMITS.actions,
    parseAction,
    (a) => a.action_id,
  );
  const entity_definitions = parseList(
    json,
    'entity_definitions',
    path,
    issues,
    LIMITS.entityDefinitions,
    parseEntityDefinition,
    (e) => e.entity_definition_id,
    systemIds,
  );
  const mitigations = parseList(
    json,
    'mitigations',
    path,
    issues,
    LIMITS.mitigations,
    parseMitigation,
    (m) => m.mitigation_id,
  );
  const policies = parseList(
    json,
    'policies',
    path,
    issues,
    LIMITS.policies,
    parsePolicy,
    (p) => p.policy_id,
  );
  const rules = parseList(json, 'rules', path, issues, LIMITS.rules, parseRule, (r) => r.rule_id);

  const entityIds = new Set([
    ...systemIds,
    ...(entity_definitions ?? []).map((e) => e.entity_definition_id),
  ]);
  const actionIds = new Set((actions ?? []).map((a) => a.action_id));
  const mitigationIds = new Set((mitigations ?? []).map((m) => m.mitigation_id));
  const refEntity = (id: string, p: string) => {
    if (entity_definitions && !entityIds.has(id))
      issues.add(p, `unknown entity_definition_id '${id}'`);
  };
  const refAction = (id: string, p: string) => {
    if (actions && !actionIds.has(id)) issues.add(p, `unknown action_id '${id}'`);
  };
  const refMitigation = (id: string, p: string) => {
    if (mitigations && !mitigationIds.has(id)) issues.add(p, `unknown mitigation_id '${id}'`);
  };

  const defaults: Record<string, string> = {};
  for (const key of ['default_entity_definition_id', 'session_entity_definition_id']) {
    if (!has(json, key)) continue;
    const id = readId(json[key], at(key), issues);
    if (id !== undefined) {
      refEntity(id, at(key));
      defaults[key] = id;
    }
  }

  (policies ?? []).forEach((policy, i) => {
    const p = childPath(at('policies'), i);
    if ('clauses' in policy) {
      policy.clauses.forEach((clause, j) => {
        const c = childPath(childPath(p, 'clauses'), j);
        refMitigation(clause.mitigation_id, childPath(c, 'mitigation_id'));
        (clause.action_ids ?? []).forEach((id, k) => {
          refAction(id, childPath(childPath(c, 'action_ids'), k));
        });
        (clause.entity_definition_ids ?? []).forEach((id, k) => {
          refEntity(id, childPath(childPath(c, 'entity_definition_ids'), k));
        });
      });
    } else {
      refMitigation(policy.mitigation_id, childPath(p, 'mitigation_id'));
      (policy.action_ids ?? []).forEach((id, k) => {
        refAction(id, childPath(childPath(p, 'action_ids'), k));
      });
      if (policy.entity_definition_id !== undefined) {
        refEntity(policy.entity_definition_id, childPath(p, 'entity_definition_id'));
      }
    }
  });
  (rules ?? []).forEach((rule, i) => {
    if (tenant_id !== undefined && rule.tenant_id !== tenant_id) {
      issues.add(
        childPath(childPath(at('rules'), i), 'tenant_id'),
        `rule belongs to tenant '${rule.tenant_id}', not '${tenant_id}'`,
      );
    }
  });

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
