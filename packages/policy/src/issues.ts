/** One problem in operator-supplied JSON, located by a JSONPath such as `$.And.expressions[1]`. */
export interface ValidationError {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationError[] };

/** Hostile input could otherwise produce one error per array element. */
export const MAX_ERRORS = 100;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export class Issues {
  readonly errors: ValidationError[] = [];

  add(path: string, message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push({ path, message });
  }

  get full(): boolean {
    return this.errors.length >= MAX_ERRORS;
  }

  result<T>(value: T | undefined): ValidationResult<T> {
    if (this.errors.length > 0 || value === undefined) {
      return { ok: false, errors: this.errors.slice() };
    }
    return { ok: true, value };
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Report unknown keys (never ignored: a typo such as `operater` must not silently drop a
 * condition) and missing required ones. Returns false when anything was wrong.
 */
export function checkKeys(
  obj: JsonObject,
  path: string,
  issues: Issues,
  required: readonly string[],
  optional: readonly string[] = [],
): boolean {
  let ok = true;
  for (const key of Object.keys(obj)) {
    if (!required.includes(key) && !optional.includes(key)) {
      const allowed = [...required, ...optional].join(', ');
      issues.add(childPath(path, key), `unknown key; expected only ${allowed}`);
      ok = false;
    }
  }
  for (const key of required) {
    if (!Object.hasOwn(obj, key)) {
      issues.add(childPath(path, key), 'required');
      ok = false;
    }
  }
  return ok;
}

export function expectObject(value: unknown, path: string, issues: Issues): value is JsonObject {
  if (isObject(value)) return true;
  issues.add(path, `expected an object, got ${describe(value)}`);
  return false;
}

export function readString(
  value: unknown,
  path: string,
  issues: Issues,
  opts: { pattern?: RegExp; patternHint?: string; min?: number; max?: number } = {},
): string | undefined {
  if (typeof value !== 'string') {
    issues.add(path, `expected a string, got ${describe(value)}`);
    return undefined;
  }
  const min = opts.min ?? 0;
  const max = opts.max ?? 4096;
  if (value.length < min || value.length > max) {
    issues.add(path, `expected a string of ${min} to ${max} characters`);
    return undefined;
  }
  if (opts.pattern && !opts.pattern.test(value)) {
    issues.add(path, `expected ${opts.patternHint ?? `to match ${opts.pattern}`}`);
    return undefined;
  }
  return value;
}

export function readEnum<T extends string | number>(
  value: unknown,
  allowed: readonly T[],
  path: string,
  issues: Issues,
): T | undefined {
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  issues.add(path, `expected one of ${allowed.join(', ')}`);
  return undefined;
}

export function readBoolean(value: unknown, path: string, issues: Issues): boolean | undefined {
  if (typeof value === 'boolean') return value;
  issues.add(path, `expected a boolean, got ${describe(value)}`);
  return undefined;
}

export function readNumber(
  value: unknown,
  path: string,
  issues: Issues,
  opts: { integer?: boolean; min: number; max: number },
): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    issues.add(path, `expected a number, got ${describe(value)}`);
    return undefined;
  }
  if (opts.integer && !Number.isInteger(value)) {
    issues.add(path, 'expected an integer');
    return undefined;
  }
  if (value < opts.min || value > opts.max) {
    issues.add(path, `expected a number from ${opts.min} to ${opts.max}`);
    return undefined;
  }
  return value;
}

export function readArray(
  value: unknown,
  path: string,
  issues: Issues,
  opts: { min?: number; max: number },
): unknown[] | undefined {
  if (!Array.isArray(value)) {
    issues.add(path, `expected an array, got ${describe(value)}`);
    return undefined;
  }
  const min = opts.min ?? 0;
  if (value.length < min) {
    issues.add(path, `expected at least ${min} item${min === 1 ? '' : 's'}`);
    return undefined;
  }
  if (value.length > opts.max) {
    issues.add(path, `expected at most ${opts.max} items`);
    return undefined;
  }
  return value;
}
