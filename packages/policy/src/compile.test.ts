import { describe, expect, it } from 'vitest';
import { compileExpression, type EvalContext, fieldContext } from './compile.js';
import type { Expression, Fields, Scope } from './types.js';

interface World {
  fields?: Fields;
  counts?: Partial<Record<`${Scope}@${number}`, number>>;
  state?: Partial<Record<`${Scope}.${string}`, string>>;
}

function context(world: World): EvalContext & { stateReads: string[] } {
  const stateReads: string[] = [];
  return {
    fields: world.fields ?? {},
    count: (scope, window) => world.counts?.[`${scope}@${window}`],
    async state(scope, field) {
      stateReads.push(`${scope}.${field}`);
      return world.state?.[`${scope}.${field}`];
    },
    stateReads,
  };
}

async function run(expression: Expression, world: World): Promise<boolean> {
  const compiled = compileExpression(expression);
  return compiled.async ? compiled.test(context(world)) : compiled.test(context(world));
}

const field = (field_name: string, operator: string, value: string) =>
  ({ FieldCmp: { field_name, operator, value } }) as Expression;
const T = field('t', 'Eq', '1');
const F = field('t', 'Eq', '0');
const on = { fields: { t: '1' } };

describe('node types', () => {
  const table: Array<[string, Expression, World, boolean]> = [
    [
      'FieldCmp Eq match',
      field('email', 'Eq', 'flag@example.com'),
      { fields: { email: 'flag@example.com' } },
      true,
    ],
    [
      'FieldCmp Eq mismatch',
      field('email', 'Eq', 'flag@example.com'),
      { fields: { email: 'x@y' } },
      false,
    ],
    ['FieldCmp numeric Gt', field('n', 'Gt', '9'), { fields: { n: '10' } }, true],
    ['FieldCmp string Gt', field('s', 'Gt', '9'), { fields: { s: '10a' } }, false],
    ['FieldCmp missing Eq', field('email', 'Eq', 'a'), {}, false],
    ['FieldCmp missing Ne', field('email', 'Ne', 'a'), {}, true],
    ['FieldCmp inherited name is missing', field('constructor', 'Ne', 'x'), { fields: {} }, true],
    ['FieldCmp inherited name Eq', field('toString', 'Eq', 'x'), { fields: {} }, false],
    [
      'FieldExists present',
      { FieldExists: { field_name: 'email' } },
      { fields: { email: '' } },
      true,
    ],
    ['FieldExists absent', { FieldExists: { field_name: 'email' } }, { fields: {} }, false],
    [
      'FieldExists inherited',
      { FieldExists: { field_name: 'constructor' } },
      { fields: {} },
      false,
    ],
    ['And all true', { And: { expressions: [T, T, T] } }, on, true],
    ['And one false', { And: { expressions: [T, F, T] } }, on, false],
    ['And two', { And: { expressions: [T, F] } }, on, false],
    ['And single', { And: { expressions: [T] } }, on, true],
    ['Or one true', { Or: { expressions: [F, F, T] } }, on, true],
    ['Or all false', { Or: { expressions: [F, F, F] } }, on, false],
    ['Or two', { Or: { expressions: [F, T] } }, on, true],
    ['Not true', { Not: { expression: T } }, on, false],
    ['Not false', { Not: { expression: F } }, on, true],
    [
      'StateCmp Entity Eq',
      state('Entity', 'Eq', 'high'),
      { state: { 'Entity.risk': 'high' } },
      true,
    ],
    [
      'StateCmp Session Ne',
      state('Session', 'Ne', 'low'),
      { state: { 'Session.risk': 'mid' } },
      true,
    ],
    [
      'StateCmp Session Ne same',
      state('Session', 'Ne', 'low'),
      { state: { 'Session.risk': 'low' } },
      false,
    ],
    [
      'StateCmp other scope not read',
      state('Session', 'Eq', 'x'),
      { state: { 'Entity.risk': 'x' } },
      false,
    ],
    ['StateCmp missing Ne', state('Entity', 'Ne', 'x'), {}, true],
    [
      'StateCmp numeric Ge',
      state('Entity', 'Ge', '10'),
      { state: { 'Entity.risk': '10.0' } },
      true,
    ],
    [
      'WindowCmp Entity Gt over',
      win('Entity', 300, 'Gt', '5'),
      { counts: { 'Entity@300': 6 } },
      true,
    ],
    [
      'WindowCmp Entity Gt at',
      win('Entity', 300, 'Gt', '5'),
      { counts: { 'Entity@300': 5 } },
      false,
    ],
    ['WindowCmp Session Le', win('Session', 60, 'Le', '2'), { counts: { 'Session@60': 2 } }, true],
    [
      'WindowCmp window is part of the key',
      win('Entity', 60, 'Gt', '5'),
      { counts: { 'Entity@300': 99 } },
      false,
    ],
    ['WindowCmp absent entity', win('Entity', 60, 'Ge', '0'), {}, false],
    ['WindowCmp absent entity Ne', win('Entity', 60, 'Ne', '0'), {}, true],
  ];
  it.each(table)('%s', async (_name, expression, world, expected) => {
    expect(await run(expression, world)).toBe(expected);
  });
});

describe('operators on FieldCmp, WindowCmp and StateCmp', () => {
  // [operator, left, right, expected]
  const table: Array<[string, string, string, boolean]> = [
    ['Eq', '3', '3', true],
    ['Eq', '3', '4', false],
    ['Ne', '3', '4', true],
    ['Ne', '3', '3', false],
    ['Lt', '3', '4', true],
    ['Lt', '4', '4', false],
    ['Le', '4', '4', true],
    ['Le', '5', '4', false],
    ['Gt', '5', '4', true],
    ['Gt', '4', '4', false],
    ['Ge', '4', '4', true],
    ['Ge', '3', '4', false],
  ];
  it.each(table)('FieldCmp %s(%s, %s) = %s', async (op, left, right, expected) => {
    expect(await run(field('n', op, right), { fields: { n: left } })).toBe(expected);
  });
  it.each(table)('WindowCmp %s(%s, %s) = %s', async (op, left, right, expected) => {
    const expression = win('Entity', 180, op, right);
    expect(await run(expression, { counts: { 'Entity@180': Number(left) } })).toBe(expected);
  });
  it.each(table)('StateCmp %s(%s, %s) = %s', async (op, left, right, expected) => {
    const expression = state('Entity', op, right);
    expect(await run(expression, { state: { 'Entity.risk': left } })).toBe(expected);
  });
});

describe('a missing field', () => {
  const cases = ['Eq', 'Ne', 'Lt', 'Le', 'Gt', 'Ge'].flatMap((op) =>
    ['5', 'abc'].map((value) => [op, value, op === 'Ne'] as const),
  );
  it.each(cases)('FieldCmp %s %j is %s', async (op, value, expected) => {
    expect(await run(field('n', op, value), { fields: { other: '5' } })).toBe(expected);
  });
});

describe('compilation', () => {
  it('keeps pure field expressions synchronous', () => {
    const expression: Expression = {
      And: {
        expressions: [
          { Or: { expressions: [T, F] } },
          { Not: { expression: { FieldExists: { field_name: 'x' } } } },
          win('Entity', 60, 'Lt', '3'),
        ],
      },
    };
    const compiled = compileExpression(expression);
    expect(compiled.async).toBe(false);
    expect(compiled.test({ ...fieldContext({ t: '1' }), count: () => 2 })).toBe(true);
    expect(compiled.test({ ...fieldContext({ t: '1' }), count: () => 3 })).toBe(false);
  });

  it('is asynchronous only when state is read', () => {
    const compiled = compileExpression({ Not: { expression: state('Entity', 'Eq', 'x') } });
    expect(compiled.async).toBe(true);
  });

  it('decides with synchronous children before reading the store', async () => {
    // t = 2: both T (t = 1) and F (t = 0) are false.
    const ctx = context({ fields: { t: '2' }, state: { 'Entity.risk': 'x' } });
    const and = compileExpression({ And: { expressions: [state('Entity', 'Eq', 'x'), T] } });
    expect(await and.test(ctx)).toBe(false);
    const or = compileExpression({ Or: { expressions: [state('Entity', 'Eq', 'x'), F] } });
    expect(await or.test(ctx)).toBe(true);
    // The And was decided by T being false; only the Or needed the store.
    expect(ctx.stateReads).toEqual(['Entity.risk']);
  });

  it('evaluates And/Or with several async children in order, short-circuiting', async () => {
    const ctx = context({ state: { 'Entity.risk': 'x', 'Session.risk': 'y' } });
    const or = compileExpression({
      Or: { expressions: [state('Entity', 'Eq', 'x'), state('Session', 'Eq', 'y')] },
    });
    expect(await or.test(ctx)).toBe(true);
    expect(ctx.stateReads).toEqual(['Entity.risk']);
    const and = compileExpression({
      And: { expressions: [state('Entity', 'Eq', 'x'), state('Session', 'Eq', 'n')] },
    });
    expect(await and.test(ctx)).toBe(false);
  });

  it('agrees with a direct interpretation on random field values', async () => {
    const expression: Expression = {
      Or: {
        expressions: [
          { And: { expressions: [field('a', 'Ge', '10'), field('b', 'Ne', 'x')] } },
          { Not: { expression: { FieldExists: { field_name: 'c' } } } },
        ],
      },
    };
    const compiled = compileExpression(expression);
    for (const a of ['9', '10', '11', 'abc', undefined]) {
      for (const b of ['x', 'y', undefined]) {
        for (const c of ['1', undefined]) {
          const fields: Record<string, string> = {};
          if (a !== undefined) fields.a = a;
          if (b !== undefined) fields.b = b;
          if (c !== undefined) fields.c = c;
          const aGe10 = a !== undefined && (/^\d+$/.test(a) ? Number(a) >= 10 : a >= '10');
          const expected = (aGe10 && b !== 'x') || c === undefined;
          expect(compiled.test(fieldContext(fields))).toBe(expected);
        }
      }
    }
  });
});

function state(scope: Scope, operator: string, value: string): Expression {
  return { StateCmp: { scope, field_name: 'risk', operator, value } } as Expression;
}

function win(scope: Scope, window_seconds: number, operator: string, value: string): Expression {
  return {
    WindowCmp: { scope, counter: 'EventCount', window_seconds, operator, value },
  } as Expression;
}
