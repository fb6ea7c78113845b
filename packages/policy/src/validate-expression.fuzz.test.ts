import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { childPath } from './issues.js';
import { COUNTERS, type Expression, OPERATORS, SCOPES, WINDOW_SECONDS } from './types.js';
import { validateExpression } from './validate-expression.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);

const fieldName = fc.constantFrom(
  'email',
  'request_path',
  'client_ip',
  'request_header_user_agent',
  'a.b',
);
const value = fc.oneof(fc.string({ maxLength: 8 }), fc.integer().map(String));
const operator = fc.constantFrom(...OPERATORS);
const scope = fc.constantFrom(...SCOPES);

const { expression } = fc.letrec<{ expression: Expression }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ FieldCmp: fc.record({ field_name: fieldName, operator, value }) }),
    fc.record({ FieldExists: fc.record({ field_name: fieldName }) }),
    fc.record({
      StateCmp: fc.record({ scope, field_name: fieldName, operator, value }),
    }),
    fc.record({
      WindowCmp: fc.record({
        scope,
        counter: fc.constantFrom(...COUNTERS),
        window_seconds: fc.constantFrom(...WINDOW_SECONDS),
        operator,
        value: fc.nat().map(String),
      }),
    }),
    fc.record({ Not: fc.record({ expression: tie('expression') }) }),
    fc.record({
      And: fc.record({ expressions: fc.array(tie('expression'), { minLength: 1, maxLength: 4 }) }),
    }),
    fc.record({
      Or: fc.record({ expressions: fc.array(tie('expression'), { minLength: 1, maxLength: 4 }) }),
    }),
  ),
}));

type Obj = Record<string, unknown>;

/** Every node of a valid expression, with the JSON path it has. */
function nodes(e: unknown, path = '$', out: Array<{ node: Obj; path: string }> = []) {
  const node = e as Obj;
  out.push({ node, path });
  const type = Object.keys(node)[0] as string;
  const body = node[type] as Obj;
  const bodyPath = childPath(path, type);
  if (type === 'Not') nodes(body.expression, childPath(bodyPath, 'expression'), out);
  if (type === 'And' || type === 'Or') {
    (body.expressions as unknown[]).forEach((child, i) => {
      nodes(child, childPath(childPath(bodyPath, 'expressions'), i), out);
    });
  }
  return out;
}

function define(obj: Obj, key: string, v: unknown) {
  // defineProperty, so that a `__proto__` key becomes an own key as JSON.parse makes it.
  Object.defineProperty(obj, key, {
    value: v,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

const BAD_VALUES = [42, null, true, [], 'text', 0.5];

/**
 * Break one node of a valid expression in one way, returning the path where validation
 * must report it. `choice` picks the node, `kind` the defect, `pick` a detail.
 */
function breakOne(root: Obj, choice: number, kind: number, pick: number): string {
  const all = nodes(root);
  const { node, path } = all[choice % all.length] as { node: Obj; path: string };
  const type = Object.keys(node)[0] as string;
  const body = node[type] as Obj;
  const bodyPath = childPath(path, type);
  const keys = Object.keys(body);
  const bad = BAD_VALUES[pick % BAD_VALUES.length];
  switch (kind % 8) {
    case 0: {
      // A second node type beside the first.
      define(node, type === 'Not' ? 'Or' : 'Not', { expression: body });
      return path;
    }
    case 1: {
      delete node[type];
      define(node, ['Xor', 'and', 'Field_Cmp', '__proto__', 'Nand'][pick % 5] as string, body);
      return childPath(path, Object.keys(node)[0] as string);
    }
    case 2: {
      const key = ['extra', 'operater', '__proto__', 'fieldName', 'a b'][pick % 5] as string;
      define(body, key, 1);
      return childPath(bodyPath, key);
    }
    case 3: {
      const key = keys[pick % keys.length] as string;
      delete body[key];
      return childPath(bodyPath, key);
    }
    case 4: {
      // A leaf's field replaced by a value of the wrong type or range.
      const key = keys[pick % keys.length] as string;
      if (key === 'expressions' || key === 'expression') {
        body[key] = key === 'expressions' ? (pick % 2 ? [] : bad) : bad;
        return childPath(bodyPath, key);
      }
      const invalid: Record<string, unknown[]> = {
        field_name: ['', 'Email', 5, 'a b', null],
        operator: ['eq', 'EQ', 'Equals', 1, null],
        value: [5, null, true, [], {}],
        scope: ['entity', 'Tenant', 0, null, 'Global'],
        counter: ['eventcount', 'Sum', 1, null, 'Count'],
        window_seconds: [61, '60', 0, -60, 3600.5],
      };
      const options = invalid[key] as unknown[];
      body[key] = options[pick % options.length];
      if (key === 'value' && type === 'WindowCmp')
        body[key] = ['five', '', '1e3', 5, '-'][pick % 5];
      return childPath(bodyPath, key);
    }
    case 5: {
      // The whole node replaced by a non-object.
      const parentEntry = all.find((n) => {
        const t = Object.keys(n.node)[0] as string;
        const b = n.node[t] as Obj;
        const at = childPath(n.path, t);
        if (t === 'Not') return childPath(at, 'expression') === path;
        if (t !== 'And' && t !== 'Or') return false;
        const children = b.expressions as unknown[];
        return children.some((_, i) => childPath(childPath(at, 'expressions'), i) === path);
      });
      if (!parentEntry) {
        for (const k of Object.keys(root)) delete root[k];
        return '$';
      }
      const pt = Object.keys(parentEntry.node)[0] as string;
      const pbody = parentEntry.node[pt] as Obj;
      if (Array.isArray(pbody.expressions)) {
        const i = (pbody.expressions as unknown[]).indexOf(node);
        (pbody.expressions as unknown[])[i] = bad;
      } else {
        pbody.expression = bad;
      }
      return path;
    }
    case 6: {
      // Body replaced by a non-object.
      node[type] = [42, null, 'x', [body]][pick % 4];
      return bodyPath;
    }
    default: {
      // Node with no key at all.
      delete node[type];
      return path;
    }
  }
}

describe('validateExpression fuzz', () => {
  it('accepts every well-formed expression and returns an equal copy', () => {
    fc.assert(
      fc.property(expression, (e) => {
        const result = validateExpression(e);
        expect(result).toEqual({ ok: true, value: e });
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects any single defect with exactly one error at its JSON path', () => {
    fc.assert(
      fc.property(expression, fc.nat(), fc.nat(), fc.nat(), (e, choice, kind, pick) => {
        const copy = structuredClone(e) as unknown as Obj;
        const root = { wrapper: copy };
        const path = breakOne(copy, choice, kind, pick);
        // case 5 may empty the root in place; it is still the same object.
        const result = validateExpression(root.wrapper);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.errors.map((x) => x.path)).toEqual([path]);
        expect(result.errors[0]?.message.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary JSON, and every error has a $-rooted path', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (json) => {
        const result = validateExpression(json);
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const e of result.errors) expect(e.path.startsWith('$')).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
