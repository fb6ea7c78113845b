import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOperand, compareValues, isNumeric } from './compare.js';
import { OPERATORS, type Operator } from './types.js';

describe('isNumeric', () => {
  it.each([
    ['0', true],
    ['-12', true],
    ['3.25', true],
    ['007', true],
    ['-0.0', true],
    ['', false],
    ['1e3', false],
    ['+1', false],
    ['.5', false],
    ['5.', false],
    [' 7', false],
    ['1,000', false],
    ['0x10', false],
    ['NaN', false],
  ])('%j → %s', (value, expected) => {
    expect(isNumeric(value)).toBe(expected);
  });
});

describe('compareValues', () => {
  it.each([
    // both numeric: numeric order
    ['10', '9', 1],
    ['-3', '-20', 1],
    ['5', '5.000', 0],
    ['007', '7', 0],
    ['-0', '0', 0],
    ['0.5', '0.05', 1],
    ['0.5', '0.55', -1],
    ['-1.5', '-1.25', -1],
    // beyond 2^53 the digits still decide
    ['9007199254740993', '9007199254740992', 1],
    // one side non-numeric: code-unit string order
    ['10', '9a', -1],
    ['abc', 'abd', -1],
    ['B', 'a', -1],
    ['same', 'same', 0],
    ['\u{1F600}', '\uFFFF', -1],
  ])('%j vs %j → %i', (a, b, expected) => {
    expect(Math.sign(compareValues(a, b))).toBe(expected);
    expect(Math.sign(compareValues(b, a))).toBe(-expected || 0);
  });

  it('agrees with Number order for small decimals', () => {
    const decimal = fc
      .tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: 0, max: 999 }))
      .map(([i, f]) => `${i}.${String(f).padStart(3, '0')}`)
      .filter((s) => !s.startsWith('-0.') || s === '-0.000');
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const expected = Math.sign(Number(a) - Number(b));
        expect(Math.sign(compareValues(a, b))).toBe(expected || 0);
      }),
    );
  });
});

describe('compareOperand', () => {
  const table: Array<[Operator, string, string, boolean]> = [
    ['Eq', '5', '5.0', true],
    ['Eq', 'a', 'A', false],
    ['Ne', '5', '6', true],
    ['Ne', 'x', 'x', false],
    ['Lt', '9', '10', true],
    ['Lt', 'b', 'a', false],
    ['Le', '10', '10', true],
    ['Le', '11', '10', false],
    ['Gt', '100', '99', true],
    ['Gt', 'apple', 'banana', false],
    ['Ge', '-1', '-1.0', true],
    ['Ge', '-2', '-1', false],
  ];
  it.each(table)('%s(%j, %j) = %s', (op, left, right, expected) => {
    expect(compareOperand(op, left, right)).toBe(expected);
  });

  it.each(OPERATORS.map((op) => [op, op === 'Ne'] as const))(
    'a missing left side: %s is %s',
    (op, expected) => {
      expect(compareOperand(op, undefined, '1')).toBe(expected);
    },
  );
});
