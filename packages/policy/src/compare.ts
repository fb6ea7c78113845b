import type { Operator } from './types.js';

/**
 * A value is numeric when it is an optional minus, digits, and an optional fraction:
 * `/^-?\d+(\.\d+)?$/`. No exponent, no `+`, no spaces, no `.5`: field values come from
 * headers and query strings, and a looser rule would turn `1e3` or ` 7` into numbers.
 */
export const NUMERIC = /^-?\d+(?:\.\d+)?$/;

export function isNumeric(value: string): boolean {
  return NUMERIC.test(value);
}

/** A numeric string reduced so that equal numbers have equal parts ("007.50" ~ "7.5"). */
interface Decimal {
  negative: boolean;
  int: string;
  frac: string;
}

export function parseDecimal(value: string): Decimal {
  let s = value;
  let negative = false;
  if (s.charCodeAt(0) === 45) {
    negative = true;
    s = s.slice(1);
  }
  const dot = s.indexOf('.');
  let int = dot === -1 ? s : s.slice(0, dot);
  let frac = dot === -1 ? '' : s.slice(dot + 1);
  let i = 0;
  while (i < int.length - 1 && int.charCodeAt(i) === 48) i++;
  int = int.slice(i);
  let j = frac.length;
  while (j > 0 && frac.charCodeAt(j - 1) === 48) j--;
  frac = frac.slice(0, j);
  // "-0" and "0" are the same number.
  if (int === '0' && frac === '') negative = false;
  return { negative, int, frac };
}

/**
 * Exact decimal comparison on the digit strings, so "9007199254740993" and
 * "9007199254740992" stay different (they would not as doubles). Returns -1, 0 or 1.
 */
export function compareDecimal(a: Decimal, b: Decimal): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const sign = a.negative ? -1 : 1;
  if (a.int.length !== b.int.length) return a.int.length < b.int.length ? -sign : sign;
  if (a.int !== b.int) return a.int < b.int ? -sign : sign;
  // Fractions are left-aligned, so plain string order is numeric order once trailing
  // zeros are gone ("5" > "05", "5" < "55").
  if (a.frac !== b.frac) return a.frac < b.frac ? -sign : sign;
  return 0;
}

/** Strings compare by UTF-16 code units, which is what JavaScript's `<` does. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compare two field values: as numbers when both are numeric, else as strings.
 * `"10" > "9"` is true (numeric); `"10" > "9a"` is false (string order, "1" < "9").
 */
export function compareValues(a: string, b: string): number {
  if (isNumeric(a) && isNumeric(b)) return compareDecimal(parseDecimal(a), parseDecimal(b));
  return compareStrings(a, b);
}

export function holds(operator: Operator, order: number): boolean {
  switch (operator) {
    case 'Eq':
      return order === 0;
    case 'Ne':
      return order !== 0;
    case 'Lt':
      return order < 0;
    case 'Le':
      return order <= 0;
    case 'Gt':
      return order > 0;
    case 'Ge':
      return order >= 0;
  }
}

/**
 * Apply an operator to a left value that may be missing. A missing operand (absent field,
 * absent state, absent entity) is equal to nothing: every operator is false except `Ne`.
 */
export function compareOperand(
  operator: Operator,
  left: string | undefined,
  right: string,
): boolean {
  if (left === undefined) return operator === 'Ne';
  return holds(operator, compareValues(left, right));
}

export function compareNumbers(operator: Operator, left: number, right: number): boolean {
  return holds(operator, left < right ? -1 : left > right ? 1 : 0);
}
