import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits.js';
import { validateExpression } from './validate-expression.js';

const cmp = { FieldCmp: { field_name: 'email', operator: 'Eq', value: 'flag@example.com' } };
const win = {
  WindowCmp: {
    scope: 'Entity',
    counter: 'EventCount',
    window_seconds: 300,
    operator: 'Gt',
    value: '5',
  },
};
const st = {
  StateCmp: { scope: 'Session', field_name: 'risk_bucket', operator: 'Ne', value: 'low' },
};

describe('validateExpression accepts the seed shapes', () => {
  it.each([
    ['FieldCmp', cmp],
    ['WindowCmp', win],
    ['StateCmp', st],
    ['FieldExists', { FieldExists: { field_name: 'email' } }],
    ['And', { And: { expressions: [{ FieldExists: { field_name: 'email' } }, st] } }],
    ['Or', { Or: { expressions: [cmp, win] } }],
    ['Not', { Not: { expression: cmp } }],
  ])('%s', (_name, json) => {
    const result = validateExpression(json);
    expect(result).toEqual({ ok: true, value: json });
    // A copy, so later changes to the input cannot change a compiled policy.
    if (result.ok) expect(result.value).not.toBe(json);
  });

  it.each(['Eq', 'Ne', 'Lt', 'Le', 'Gt', 'Ge'])('operator %s', (operator) => {
    expect(validateExpression({ FieldCmp: { ...cmp.FieldCmp, operator } }).ok).toBe(true);
  });
  it.each(['Entity', 'Session'])('scope %s', (scope) => {
    expect(validateExpression({ StateCmp: { ...st.StateCmp, scope } }).ok).toBe(true);
    expect(validateExpression({ WindowCmp: { ...win.WindowCmp, scope } }).ok).toBe(true);
  });
  it.each([60, 180, 300, 3600])('window_seconds %i', (window_seconds) => {
    expect(validateExpression({ WindowCmp: { ...win.WindowCmp, window_seconds } }).ok).toBe(true);
  });
});

describe('validateExpression rejects with a JSON path', () => {
  const table: Array<[string, unknown, string, RegExp]> = [
    ['not an object', 'FieldCmp', '$', /expected an expression object, got string/],
    ['null', null, '$', /got null/],
    ['array', [cmp], '$', /got array/],
    ['no key', {}, '$', /exactly one of And, Or, Not.*got none/],
    ['two keys', { ...cmp, ...win }, '$', /exactly one.*got FieldCmp, WindowCmp/],
    ['unknown node', { Xor: { expressions: [] } }, '$.Xor', /unknown expression node/],
    ['lower-case node', { and: { expressions: [cmp] } }, '$.and', /unknown expression node/],
    ['body not object', { Not: [cmp] }, '$.Not', /expected an object, got array/],
    [
      'bad operator deep',
      { And: { expressions: [cmp, { FieldCmp: { ...cmp.FieldCmp, operator: 'Equals' } }] } },
      '$.And.expressions[1].FieldCmp.operator',
      /^expected one of Eq, Ne, Lt, Le, Gt, Ge$/,
    ],
    [
      'unknown key in body',
      { FieldCmp: { ...cmp.FieldCmp, operater: 'Eq' } },
      '$.FieldCmp.operater',
      /unknown key/,
    ],
    [
      'missing key',
      { FieldCmp: { field_name: 'a', operator: 'Eq' } },
      '$.FieldCmp.value',
      /required/,
    ],
    [
      'number value',
      { FieldCmp: { ...cmp.FieldCmp, value: 5 } },
      '$.FieldCmp.value',
      /expected a string, got number/,
    ],
    [
      'empty field name',
      { FieldExists: { field_name: '' } },
      '$.FieldExists.field_name',
      /1 to 256/,
    ],
    [
      'upper-case field name',
      { FieldExists: { field_name: 'Email' } },
      '$.FieldExists.field_name',
      /lower-case/,
    ],
    [
      'bad scope',
      { StateCmp: { ...st.StateCmp, scope: 'Tenant' } },
      '$.StateCmp.scope',
      /Entity, Session/,
    ],
    [
      'bad counter',
      { WindowCmp: { ...win.WindowCmp, counter: 'Sum' } },
      '$.WindowCmp.counter',
      /EventCount/,
    ],
    [
      'bad window',
      { WindowCmp: { ...win.WindowCmp, window_seconds: 61 } },
      '$.WindowCmp.window_seconds',
      /60, 180, 300, 3600/,
    ],
    [
      'window as string',
      { WindowCmp: { ...win.WindowCmp, window_seconds: '60' } },
      '$.WindowCmp.window_seconds',
      /one of/,
    ],
    [
      'non-numeric count',
      { WindowCmp: { ...win.WindowCmp, value: 'five' } },
      '$.WindowCmp.value',
      /numeric/,
    ],
    ['empty And', { And: { expressions: [] } }, '$.And.expressions', /at least 1/],
    ['Or not array', { Or: { expressions: cmp } }, '$.Or.expressions', /expected an array/],
    ['Not missing expression', { Not: {} }, '$.Not.expression', /required/],
    [
      'odd key quoted',
      { FieldCmp: { ...cmp.FieldCmp, 'a b': 1 } },
      '$.FieldCmp["a b"]',
      /unknown key/,
    ],
    [
      '__proto__ key',
      JSON.parse('{"FieldExists":{"field_name":"a","__proto__":{}}}'),
      '$.FieldExists.__proto__',
      /unknown key/,
    ],
  ];
  it.each(table)('%s', (_name, json, path, message) => {
    const result = validateExpression(json);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.path).toBe(path);
    expect(result.errors[0]?.message).toMatch(message);
  });

  it('reports every bad child, not only the first', () => {
    const bad = { FieldCmp: { ...cmp.FieldCmp, operator: 'X' } };
    const result = validateExpression({ Or: { expressions: [bad, cmp, bad] } });
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual([
      '$.Or.expressions[0].FieldCmp.operator',
      '$.Or.expressions[2].FieldCmp.operator',
    ]);
  });
});

describe('bounds against hostile input', () => {
  const nest = (depth: number) => {
    let e: unknown = cmp;
    for (let i = 1; i < depth; i++) e = { Not: { expression: e } };
    return e;
  };

  it(`accepts nesting ${LIMITS.expressionDepth} deep and rejects one more`, () => {
    expect(validateExpression(nest(LIMITS.expressionDepth)).ok).toBe(true);
    const result = validateExpression(nest(LIMITS.expressionDepth + 1));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors[0]?.message).toMatch(/deeper than 32/);
      expect(result.errors[0]?.path).toBe(`$${'.Not.expression'.repeat(LIMITS.expressionDepth)}`);
    }
  });

  it('rejects 100,000-deep nesting quickly and without a stack overflow', () => {
    const started = performance.now();
    expect(validateExpression(nest(100_000)).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it(`accepts ${LIMITS.expressionNodes} nodes and rejects more`, () => {
    const children = (n: number) => Array.from({ length: n }, () => cmp);
    expect(
      validateExpression({ Or: { expressions: children(LIMITS.expressionNodes - 1) } }).ok,
    ).toBe(true);
    const result = validateExpression({ Or: { expressions: children(LIMITS.expressionNodes) } });
    expect(result.ok ? [] : result.errors).toEqual([
      {
        path: `$.Or.expressions[${LIMITS.expressionNodes - 1}]`,
        message: 'expression has more than 1000 nodes',
      },
    ]);
  });

  it('caps the error list on a huge invalid array', () => {
    const result = validateExpression({
      Or: { expressions: Array.from({ length: 999 }, () => 1) },
    });
    expect(result.ok ? 0 : result.errors.length).toBe(100);
  });

  it('does not loop on a cyclic object', () => {
    const cyclic: { Not: { expression: unknown } } = { Not: { expression: undefined } };
    cyclic.Not.expression = cyclic;
    expect(validateExpression(cyclic).ok).toBe(false);
  });

  it('rejects class instances and objects with a foreign prototype', () => {
    class Node {
      FieldExists = { field_name: 'a' };
    }
    const result = validateExpression(new Node());
    expect(result.ok).toBe(false);
  });
});
