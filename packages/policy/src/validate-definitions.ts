import {
  checkKeys,
  childPath,
  expectObject,
  type Issues,
  readArray,
  readBoolean,
  readEnum,
  readNumber,
  readString,
} from './issues.js';
import { LIMITS } from './limits.js';
import type { ActionDefinition, EntityDefinition, Mitigation, RuleDefinition } from './types.js';
import { MITIGATION_MODES, OUTCOMES } from './types.js';
import { has, readId, readName } from './validate-common.js';
import { parseExpression, readFieldName } from './validate-expression.js';

export function parseRule(json: unknown, path: string, issues: Issues): RuleDefinition | undefined {
  if (!expectObject(json, path, issues)) return undefined;
  const required = ['rule_id', 'tenant_id', 'name', 'enabled', 'priority', 'expression', 'outcome'];
  checkKeys(json, path, issues, required, ['description']);
  const at = (k: string) => childPath(path, k);
  const rule_id = has(json, 'rule_id') ? readId(json.rule_id, at('rule_id'), issues) : undefined;
  const tenant_id = has(json, 'tenant_id')
    ? readId(json.tenant_id, at('tenant_id'), issues)
    : undefined;
  const name = has(json, 'name') ? readName(json.name, at('name'), issues) : undefined;
  const description = has(json, 'description')
    ? readString(json.description, at('description'), issues, { max: LIMITS.descriptionLength })
    : undefined;
  const enabled = has(json, 'enabled')
    ? readBoolean(json.enabled, at('enabled'), issues)
    : undefined;
  const priority = has(json, 'priority')
    ? readNumber(json.priority, at('priority'), issues, {
        integer: true,
        min: -1_000_000,
        max: 1_000_000,
      })
    : undefined;
  const expression = has(json, 'expression')
    ? parseExpression(json.expression, at('expression'), issues)
    : undefined;
  const outcome = has(json, 'outcome')
    ? readEnum(json.outcome, OUTCOMES, at('outcome'), issues)
    : undefined;
  if (
    rule_id === undefined ||
    tenant_id === undefined ||
    name === undefined ||
    enabled === undefined ||
    priority === undefined ||
    !expression ||
    !outcome
  ) {
    return undefined;
  }
  const rule: RuleDefinition = { rule_id, tenant_id, name, enabled, priority, expression, outcome };
  if (description !== undefined) rule.description = description;
  return rule;
}

export function parseAction(
  json: unknown,
  path: string,
  issues: Issues,
): ActionDefinition | undefined {
  if (!expectObject(json, path, issues)) return undefined;
  checkKeys(json, path, issues, ['action_id', 'name', 'expression']);
  const at = (k: string) => childPath(path, k);
  const action_id = has(json, 'action_id')
    ? readId(json.action_id, at('action_id'), issues)
    : undefined;
  const name = has(json, 'name') ? readName(json.name, at('name'), issues) : undefined;
  const expression = has(json, 'expression')
    ? parseExpression(json.expression, at('expression'), issues)
    : undefined;
  if (action_id === undefined || name === undefined || !expression) return undefined;
  return { action_id, name, expression };
}

export function parseEntityDefinition(
  json: unknown,
  path: string,
  issues: Issues,
): EntityDefinition | undefined {
  if (!expectObject(json, path, issues)) return undefined;
  checkKeys(json, path, issues, ['entity_definition_id', 'name', 'fields']);
  const at = (k: string) => childPath(path, k);
  const id = has(json, 'entity_definition_id')
    ? readId(json.entity_definition_id, at('entity_definition_id'), issues)
    : undefined;
  const name = has(json, 'name') ? readName(json.name, at('name'), issues) : undefined;
  let fields: string[] | undefined;
  if (has(json, 'fields')) {
    const items = readArray(json.fields, at('fields'), issues, {
      min: 1,
      max: LIMITS.entityFields,
    });
    if (items) {
      const names = items.map((f, i) => readFieldName(f, childPath(at('fields'), i), issues));
      if (names.every((n) => n !== undefined)) fields = names as string[];
    }
  }
  if (id === undefined || name === undefined || !fields) return undefined;
  return { entity_definition_id: id, name, fields };
}

export function parseMitigation(
  json: unknown,
  path: string,
  issues: Issues,
): Mitigation | undefined {
  if (!expectObject(json, path, issues)) return undefined;
  checkKeys(json, path, issues, ['mitigation_id', 'name', 'mode'], ['would_mode']);
  const at = (k: string) => childPath(path, k);
  const mitigation_id = has(json, 'mitigation_id')
    ? readId(json.mitigation_id, at('mitigation_id'), issues)
    : undefined;
  const name = has(json, 'name') ? readName(json.name, at('name'), issues) : undefined;
  const mode = has(json, 'mode')
    ? readEnum(json.mode, MITIGATION_MODES, at('mode'), issues)
    : undefined;
  let would_mode: Mitigation['would_mode'];
  if (has(json, 'would_mode')) {
    would_mode = readEnum(
      json.would_mode,
      ['Challenge', 'Block'] as const,
      at('would_mode'),
      issues,
    );
    if (mode && mode !== 'Monitor') {
      issues.add(at('would_mode'), 'only a Monitor mitigation has a would_mode');
      return undefined;
    }
    if (!would_mode) return undefined;
  }
  if (mitigation_id === undefined || name === undefined || !mode) return undefined;
  const mitigation: Mitigation = { mitigation_id, name, mode };
  if (would_mode) mitigation.would_mode = would_mode;
  return mitigation;
}
