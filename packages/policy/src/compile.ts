import {
  compareDecimal,
  compareNumbers,
  compareStrings,
  holds,
  isNumeric,
  parseDecimal,
} from './compare.js';
import type { Expression, Fields, Operator, Scope, WindowSeconds } from './types.js';

/** What a compiled expression may read while it runs for one event. */
export interface EvalContext {
  readonly fields: Fields;
  /**
   * Events counted in the window for the scope's entity, this event included; undefined when
   * the entity is absent (one of its fields is missing). Counts are taken before evaluation,
   * so reading one is synchronous.
   */
  count(scope: Scope, windowSeconds: WindowSeconds): number | undefined;
  /** Saved state for the scope's entity; undefined when absent. */
  state(scope: Scope, fieldName: string): Promise<string | undefined>;
}

/**
 * An expression compiled once into closures. `async` is true only when the expression
 * reads saved state (StateCmp); everything else, windows included, runs synchronously.
 */
export type CompiledExpression =
  | { readonly async: false; readonly test: (ctx: EvalContext) => boolean }
  | { readonly async: true; readonly test: (ctx: EvalContext) => Promise<boolean> };

type SyncTest = (ctx: EvalContext) => boolean;
type AsyncTest = (ctx: EvalContext) => Promise<boolean>;

const sync = (test: SyncTest): CompiledExpression => ({ async: false, test });
const async_ = (test: AsyncTest): CompiledExpression => ({ async: true, test });

export function compileExpression(expression: Expression): CompiledExpression {
  if ('FieldCmp' in expression) {
    const { field_name, operator, value } = expression.FieldCmp;
    return sync(fieldTest(field_name, comparator(operator, value)));
  }
  if ('FieldExists' in expression) {
    const name = expression.FieldExists.field_name;
    return sync((ctx) => typeof ctx.fields[name] === 'string');
  }
  if ('WindowCmp' in expression) {
    const { scope, window_seconds, operator, value } = expression.WindowCmp;
    const limit = Number(value);
    return sync((ctx) => {
      const count = ctx.count(scope, window_seconds);
      return count === undefined ? operator === 'Ne' : compareNumbers(operator, count, limit);
    });
  }
  if ('StateCmp' in expression) {
    const { scope, field_name, operator, value } = expression.StateCmp;
    const cmp = comparator(operator, value);
    return async_(async (ctx) => cmp(await ctx.state(scope, field_name)));
  }
  if ('Not' in expression) {
    const inner = compileExpression(expression.Not.expression);
    if (!inner.async) {
      const test = inner.test;
      return sync((ctx) => !test(ctx));
    }
    const test = inner.test;
    return async_(async (ctx) => !(await test(ctx)));
  }
  if ('And' in expression) return junction(expression.And.expressions, true);
  return junction(expression.Or.expressions, false);
}

/**
 * And (`all` true) / Or. Children only read, so their order does not change the result; the
 * synchronous ones run first, and a store read happens only when they have not decided.
 */
function junction(children: Expression[], all: boolean): CompiledExpression {
  const compiled = children.map(compileExpression);
  const syncTests = compiled.filter((c) => !c.async).map((c) => c.test as SyncTest);
  const asyncTests = compiled.filter((c) => c.async).map((c) => c.test as AsyncTest);
  const syncPart = syncJunction(syncTests, all);
  if (asyncTests.length === 0) return sync(syncPart);
  return async_(async (ctx) => {
    if (syncTests.length > 0 && syncPart(ctx) !== all) return !all;
    for (const test of asyncTests) if ((await test(ctx)) !== all) return !all;
    return all;
  });
}

function syncJunction(tests: SyncTest[], all: boolean): SyncTest {
  if (tests.length === 1) return tests[0] as SyncTest;
  if (tests.length === 2) {
    const [a, b] = tests as [SyncTest, SyncTest];
    return all ? (ctx) => a(ctx) && b(ctx) : (ctx) => a(ctx) || b(ctx);
  }
  return all
    ? (ctx) => {
        for (const t of tests) if (!t(ctx)) return false;
        return true;
      }
    : (ctx) => {
        for (const t of tests) if (t(ctx)) return true;
        return false;
      };
}

function fieldTest(name: string, cmp: (left: string | undefined) => boolean): SyncTest {
  return (ctx) => {
    const v = ctx.fields[name];
    // typeof guards against inherited properties such as `constructor` on plain objects.
    return cmp(typeof v === 'string' ? v : undefined);
  };
}

/**
 * Build the comparison for a fixed right-hand value, deciding once whether it is numeric so
 * the per-event work is a regex test at most. Missing (undefined) is false except for Ne.
 */
export function comparator(
  operator: Operator,
  value: string,
): (left: string | undefined) => boolean {
  if (!isNumeric(value)) {
    switch (operator) {
      case 'Eq':
        return (v) => v === value;
      case 'Ne':
        return (v) => v !== value;
      default:
        return (v) => v !== undefined && holds(operator, compareStrings(v, value));
    }
  }
  const right = parseDecimal(value);
  return (v) => {
    if (v === undefined) return operator === 'Ne';
    if (v === value) return holds(operator, 0);
    const order = isNumeric(v) ? compareDecimal(parseDecimal(v), right) : compareStrings(v, value);
    return holds(operator, order);
  };
}

/** A context for expressions that only read fields: no entity, no state. */
export function fieldContext(fields: Fields): EvalContext {
  return { fields, count: () => undefined, state: async () => undefined };
}

/** Every window an expression reads, so an engine knows which counters to keep. */
export function windowsOf(expression: Expression, out: Array<[Scope, WindowSeconds]> = []) {
  if ('WindowCmp' in expression) {
    out.push([expression.WindowCmp.scope, expression.WindowCmp.window_seconds]);
  } else if ('Not' in expression) {
    windowsOf(expression.Not.expression, out);
  } else if ('And' in expression) {
    for (const e of expression.And.expressions) windowsOf(e, out);
  } else if ('Or' in expression) {
    for (const e of expression.Or.expressions) windowsOf(e, out);
  }
  return out;
}

/** Scopes whose state an expression reads. */
export function stateScopesOf(expression: Expression, out = new Set<Scope>()): Set<Scope> {
  if ('StateCmp' in expression) out.add(expression.StateCmp.scope);
  else if ('Not' in expression) stateScopesOf(expression.Not.expression, out);
  else if ('And' in expression) for (const e of expression.And.expressions) stateScopesOf(e, out);
  else if ('Or' in expression) for (const e of expression.Or.expressions) stateScopesOf(e, out);
  return out;
}
