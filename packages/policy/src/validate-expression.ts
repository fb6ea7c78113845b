import { NUMERIC } from './compare.js';
import {
  checkKeys,
  childPath,
  describe,
  Issues,
  isObject,
  readArray,
  readEnum,
  readString,
  type ValidationResult,
} from './issues.js';
import { FIELD_NAME_HINT, FIELD_NAME_PATTERN, LIMITS } from './limits.js';
import {
  COUNTERS,
  type Expression,
  NODE_TYPES,
  type NodeType,
  OPERATORS,
  SCOPES,
  WINDOW_SECONDS,
} from './types.js';

interface Budget {
  nodes: number;
  exhausted: boolean;
}

/** Validate one rule expression. The returned value is a fresh copy, safe to keep. */
export function validateExpression(json: unknown): ValidationResult<Expression> {
  const issues = new Issues();
  const value = parseExpression(json, '$', issues);
  return issues.result(value);
}

/** Parse an expression at `path`, reporting into `issues`; shared by the config validators. */
export function parseExpression(
  json: unknown,
  path: string,
  issues: Issues,
): Expression | undefined {
  return parseNode(json, path, issues, 1, { nodes: 0, exhausted: false });
}

function parseNode(
  json: unknown,
  path: string,
  issues: Issues,
  depth: number,
  budget: Budget,
): Expression | undefined {
  if (budget.exhausted || issues.full) return undefined;
  if (depth > LIMITS.expressionDepth) {
    issues.add(path, `expression nested deeper than ${LIMITS.expressionDepth} levels`);
    budget.exhausted = true;
    return undefined;
  }
  if (++budget.nodes > LIMITS.expressionNodes) {
    issues.add(path, `expression has more than ${LIMITS.expressionNodes} nodes`);
    budget.exhausted = true;
    return undefined;
  }
  if (!isObject(json)) {
    issues.add(path, `expected an expression object, got ${describe(json)}`);
    return undefined;
  }
  const keys = Object.keys(json);
  if (keys.length !== 1) {
    const got = keys.length === 0 ? 'none' : keys.join(', ');
    issues.add(path, `expected exactly one of ${NODE_TYPES.join(', ')}; got ${got}`);
    return undefined;
  }
  const type = keys[0] as string;
  const bodyPath = childPath(path, type);
  if (!(NODE_TYPES as readonly string[]).includes(type)) {
    issues.add(bodyPath, `unknown expression node; expected one of ${NODE_TYPES.join(', ')}`);
    return undefined;
  }
  const body = json[type];
  if (!isObject(body)) {
    issues.add(bodyPath, `expected an object, got ${describe(body)}`);
    return undefined;
  }
  return parseBody(type as NodeType, body, bodyPath, issues, depth, budget);
}

function parseBody(
  type: NodeType,
  body: Record<string, unknown>,
  path: string,
  issues: Issues,
  depth: number,
  budget: Budget,
): Expression | undefined {
  const at = (key: string) => childPath(path, key);
  switch (type) {
    case 'And':
    case 'Or': {
      if (!checkKeys(body, path, issues, ['expressions'])) return undefined;
      // An empty And would match every request; that is almost always a mistake.
      const items = readArray(body.expressions, at('expressions'), issues, {
        min: 1,
        max: LIMITS.expressionNodes,
      });
      if (!items) return undefined;
      const expressions: Expression[] = [];
      let ok = true;
      items.forEach((item, i) => {
        const child = parseNode(item, childPath(at('expressions'), i), issues, depth + 1, budget);
        if (child) expressions.push(child);
        else ok = false;
      });
      if (!ok) return undefined;
      return type === 'And' ? { And: { expressions } } : { Or: { expressions } };
    }
    case 'Not': {
      if (!checkKeys(body, path, issues, ['expression'])) return undefined;
      const expression = parseNode(body.expression, at('expression'), issues, depth + 1, budget);
      return expression && { Not: { expression } };
    }
    case 'FieldExists': {
      if (!checkKeys(body, path, issues, ['field_name'])) return undefined;
      const field_name = readFieldName(body.field_name, at('field_name'), issues);
      return field_name === undefined ? undefined : { FieldExists: { field_name } };
    }
    case 'FieldCmp': {
      if (!checkKeys(body, path, issues, ['field_name', 'operator', 'value'])) return undefined;
      const field_name = readFieldName(body.field_name, at('field_name'), issues);
      const operator = readEnum(body.operator, OPERATORS, at('operator'), issues);
      const value = readValue(body.value, at('value'), issues);
      if (field_name === undefined || !operator || value === undefined) return undefined;
      return { FieldCmp: { field_name, operator, value } };
    }
    case 'StateCmp': {
      const keys = ['scope', 'field_name', 'operator', 'value'];
      if (!checkKeys(body, path, issues, keys)) return undefined;
      const scope = readEnum(body.scope, SCOPES, at('scope'), issues);
      const field_name = readFieldName(body.field_name, at('field_name'), issues);
      const operator = readEnum(body.operator, OPERATORS, at('operator'), issues);
      const value = readValue(body.value, at('value'), issues);
      if (!scope || field_name === undefined || !operator || value === undefined) return undefined;
      return { StateCmp: { scope, field_name, operator, value } };
    }
    case 'WindowCmp': {
      const keys = ['scope', 'counter', 'window_seconds', 'operator', 'value'];
      if (!checkKeys(body, path, issues, keys)) return undefined;
      const scope = readEnum(body.scope, SCOPES, at('scope'), issues);
      const counter = readEnum(body.counter, COUNTERS, at('counter'), issues);
      const window_seconds = readEnum(
        body.window_seconds,
        WINDOW_SECONDS,
        at('window_seconds'),
        issues,
      );
      const operator = readEnum(body.operator, OPERATORS, at('operator'), issues);
      // A count is a number, so a non-numeric value would silently compare as a string.
      const value = readString(body.value, at('value'), issues, {
        pattern: NUMERIC,
        patternHint: 'a numeric string such as "5"',
        max: 32,
      });
      if (!scope || !counter || !window_seconds || !operator || value === undefined) {
        return undefined;
      }
      return { WindowCmp: { scope, counter, window_seconds, operator, value } };
    }
  }
}

export function readFieldName(value: unknown, path: string, issues: Issues): string | undefined {
  return readString(value, path, issues, {
    pattern: FIELD_NAME_PATTERN,
    patternHint: FIELD_NAME_HINT,
    min: 1,
    max: 256,
  });
}

function readValue(value: unknown, path: string, issues: Issues): string | undefined {
  return readString(value, path, issues, { max: LIMITS.valueLength });
}
