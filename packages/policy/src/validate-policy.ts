import {
  checkKeys,
  childPath,
  expectObject,
  type Issues,
  type JsonObject,
  readArray,
  readBoolean,
  readEnum,
  readNumber,
} from './issues.js';
import { LIMITS } from './limits.js';
import type {
  ClausePolicy,
  Policy,
  PolicyClause,
  PolicyWindow,
  SimplePolicy,
  WindowThreshold,
} from './types.js';
import { OPERATORS, WINDOW_SECONDS } from './types.js';
import { has, readId, readIdList, readName } from './validate-common.js';
import { parseExpression } from './validate-expression.js';

export function parseWindow(json: unknown, path: string, issues: Issues): PolicyWindow | undefined {
  if (!expectObject(json, path, issues)) return undefined;
  checkKeys(json, path, issues, ['window_seconds', 'threshold']);
  const at = (k: string) => childPath(path, k);
  const window_seconds = has(json, 'window_seconds')
    ? readEnum(json.window_seconds, WINDOW_SECONDS, at('window_seconds'), issues)
    : undefined;
  const threshold = has(json, 'threshold')
    ? parseThreshold(json.threshold, at('threshold'), issues)
    : undefined;
  if (!window_seconds || !threshold) return undefined;
  return { window_seconds, threshold };
}

function parseThreshold(json: unknown, path: string, issues: Issues): WindowThreshold | undefined {
  if (!expectObject(json, path, issues)) return undefined;
  const at = (k: string) => childPath(path, k);
  const type = readEnum(json.type, ['count', 'share'] as const, at('type'), issues);
  if (!type) return undefined;
  if (type === 'count') {
    if (!checkKeys(json, path, issues, ['type', 'operator', 'value'])) return undefined;
    const operator = readEnum(json.operator, OPERATORS, at('operator'), issues);
    const value = readNumber(json.value, at('value'), issues, {
      integer: true,
      min: 0,
      max: 1_000_000_000,
    });
    if (!operator || value === undefined) return undefined;
    return { type, operator, value };
  }
  if (!checkKeys(json, path, issues, ['type', 'operator', 'percent'], ['min_total'])) {
    return undefined;
  }
  const operator = readEnum(json.operator, OPERATORS, at('operator'), issues);
  const percent = readNumber(json.percent, at('percent'), issues, { min: 0, max: 100 });
  const min_total = has(json, 'min_total')
    ? readNumber(json.min_total, at('min_total'), issues, {
        integer: true,
        min: 0,
        max: 1_000_000_000,
      })
    : 0;
  if (!operator || percent === undefined || min_total === undefined) return undefined;
  const threshold: WindowThreshold = { type, operator, percent };
  if (has(json, 'min_total')) threshold.min_total = min_total;
  return threshold;
}

const SIMPLE_KEYS = ['action_ids', 'entity_definition_id', 'mitigation_id', 'window'] as const;

export function parsePolicy(json: unknown, path: string, issues: Issues): Policy | undefined {
  if (!expectObject(json, path, issues)) return undefined;
  const at = (k: string) => childPath(path, k);
  const clauseForm = has(json, 'clauses');
  if (clauseForm) {
    for (const key of SIMPLE_KEYS) {
      if (has(json, key)) {
        issues.add(at(key), 'not allowed together with clauses; put it inside a clause');
      }
    }
    checkKeys(
      json,
      path,
      issues,
      ['policy_id', 'name', 'clauses', 'enabled'],
      ['expression', ...SIMPLE_KEYS],
    );
  } else {
    checkKeys(
      json,
      path,
      issues,
      ['policy_id', 'name', 'mitigation_id', 'enabled'],
      ['expression', 'action_ids', 'entity_definition_id', 'window'],
    );
  }
  const policy_id = has(json, 'policy_id')
    ? readId(json.policy_id, at('policy_id'), issues)
    : undefined;
  const name = has(json, 'name') ? readName(json.name, at('name'), issues) : undefined;
  const enabled = has(json, 'enabled')
    ? readBoolean(json.enabled, at('enabled'), issues)
    : undefined;
  const expression = has(json, 'expression')
    ? parseExpression(json.expression, at('expression'), issues)
    : undefined;
  const expressionOk = !has(json, 'expression') || expression !== undefined;

  if (clauseForm) {
    const items = readArray(json.clauses, at('clauses'), issues, { min: 1, max: LIMITS.clauses });
    const clauses = items?.map((c, i) => parseClause(c, childPath(at('clauses'), i), issues));
    if (
      policy_id === undefined ||
      name === undefined ||
      enabled === undefined ||
      !expressionOk ||
      !clauses ||
      !clauses.every((c) => c !== undefined) ||
      SIMPLE_KEYS.some((k) => has(json, k))
    ) {
      return undefined;
    }
    const policy: ClausePolicy = { policy_id, name, clauses: clauses as PolicyClause[], enabled };
    if (expression) policy.expression = expression;
    return policy;
  }

  const binding = parseBinding(json, path, issues, 'entity_definition_id');
  if (policy_id === undefined || name === undefined || enabled === undefined || !expressionOk) {
    return undefined;
  }
  if (!binding) return undefined;
  const policy: SimplePolicy = { policy_id, name, mitigation_id: binding.mitigation_id, enabled };
  if (expression) policy.expression = expression;
  if (binding.action_ids) policy.action_ids = binding.action_ids;
  if (binding.entity_definition_ids) {
    policy.entity_definition_id = binding.entity_definition_ids[0] as string;
  }
  if (binding.window) policy.window = binding.window;
  return policy;
}

function parseClause(json: unknown, path: string, issues: Issues): PolicyClause | undefined {
  if (!expectObject(json, path, issues)) return undefined;
  checkKeys(
    json,
    path,
    issues,
    ['mitigation_id'],
    ['match', 'action_ids', 'entity_definition_ids', 'window'],
  );
  const match = has(json, 'match')
    ? parseExpression(json.match, childPath(path, 'match'), issues)
    : undefined;
  const binding = parseBinding(json, path, issues, 'entity_definition_ids');
  if ((has(json, 'match') && !match) || !binding) return undefined;
  const clause: PolicyClause = { mitigation_id: binding.mitigation_id };
  if (match) clause.match = match;
  if (binding.action_ids) clause.action_ids = binding.action_ids;
  if (binding.entity_definition_ids) clause.entity_definition_ids = binding.entity_definition_ids;
  if (binding.window) clause.window = binding.window;
  return clause;
}

/** The part both policy forms share: actions, entities, mitigation and window. */
function parseBinding(
  json: JsonObject,
  path: string,
  issues: Issues,
  entityKey: 'entity_definition_id' | 'entity_definition_ids',
):
  | {
      mitigation_id: string;
      action_ids?: string[];
      entity_definition_ids?: string[];
      window?: PolicyWindow;
    }
  | undefined {
  const at = (k: string) => childPath(path, k);
  let ok = true;
  const mitigation_id = has(json, 'mitigation_id')
    ? readId(json.mitigation_id, at('mitigation_id'), issues)
    : undefined;
  if (mitigation_id === undefined) ok = false;
  let action_ids: string[] | undefined;
  if (has(json, 'action_ids')) {
    action_ids = readIdList(json.action_ids, at('action_ids'), issues);
    if (!action_ids) ok = false;
  }
  let entity_definition_ids: string[] | undefined;
  if (has(json, entityKey)) {
    if (entityKey === 'entity_definition_id') {
      const id = readId(json[entityKey], at(entityKey), issues);
      entity_definition_ids = id === undefined ? undefined : [id];
    } else {
      entity_definition_ids = readIdList(json[entityKey], at(entityKey), issues);
    }
    if (!entity_definition_ids) ok = false;
  }
  let window: PolicyWindow | undefined;
  if (has(json, 'window')) {
    window = parseWindow(json.window, at('window'), issues);
    if (!window) ok = false;
    // Counting needs a key; "5 requests in 1 minute" from whom?
    else if (!has(json, entityKey) || entity_definition_ids?.length === 0) {
      issues.add(at('window'), `a window needs ${entityKey} to count by`);
      ok = false;
    }
  }
  if (!ok || mitigation_id === undefined) return undefined;
  const binding: {
    mitigation_id: string;
    action_ids?: string[];
    entity_definition_ids?: string[];
    window?: PolicyWindow;
  } = { mitigation_id };
  if (action_ids) binding.action_ids = action_ids;
  if (entity_definition_ids) binding.entity_definition_ids = entity_definition_ids;
  if (window) binding.window = window;
  return binding;
}
