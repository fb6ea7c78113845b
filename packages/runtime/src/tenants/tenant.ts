/**
 * A tenant the runtime decides for with real policies: its API keys, the origins a solved
 * challenge may return to, and everything `@esper/policy` validates (actions, entities,
 * mitigations, policies, rules). The file form of `--tenant` (esper-mock) is this object.
 */
import { type TenantConfig, type ValidationError, validateTenantConfig } from '@esper/policy';
import { type OriginPattern, parseOriginPattern } from './origins.js';

/** An API key of a tenant, in the console's words (`source_id`, `trust_level`). */
export interface TenantApiKey {
  apiKey: string;
  secret: string;
  source_id?: string;
  trust_level?: string;
  name?: string;
}

/** A tenant as configured: its policy configuration, API keys and return origins. */
export type TenantDefinition = TenantConfig & {
  api_keys: TenantApiKey[];
  /** Origins (or `scheme://host:*`) a solved challenge may redirect to. Default: none. */
  return_origins?: string[];
};

export interface ParsedTenant {
  config: TenantConfig;
  keys: TenantApiKey[];
  returnOrigins: OriginPattern[];
}

/** A tenant file that does not validate; `errors` carry JSON paths such as `$.policies[0].window`. */
export class TenantConfigError extends Error {
  readonly errors: ValidationError[];
  constructor(source: string, errors: ValidationError[]) {
    const lines = errors.map((e) => `${e.path}: ${e.message}`);
    super(`${source}: invalid tenant\n  ${lines.join('\n  ')}`);
    this.name = 'TenantConfigError';
    this.errors = errors;
  }
}

const KEY_FIELDS = new Set(['apiKey', 'secret', 'source_id', 'trust_level', 'name']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseKeys(value: unknown, at: string, errors: ValidationError[]): TenantApiKey[] {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ path: at, message: 'expected a non-empty array of API keys' });
    return [];
  }
  const keys: TenantApiKey[] = [];
  value.forEach((key, i) => {
    const path = `${at}[${i}]`;
    if (!isObject(key)) {
      errors.push({ path, message: 'expected an object' });
      return;
    }
    for (const name of Object.keys(key)) {
      if (!KEY_FIELDS.has(name)) errors.push({ path: `${path}.${name}`, message: 'unknown key' });
    }
    for (const name of ['apiKey', 'secret'] as const) {
      if (typeof key[name] !== 'string' || key[name] === '') {
        errors.push({ path: `${path}.${name}`, message: 'expected a non-empty string' });
      }
    }
    for (const name of ['source_id', 'trust_level', 'name'] as const) {
      if (key[name] !== undefined && typeof key[name] !== 'string') {
        errors.push({ path: `${path}.${name}`, message: 'expected a string' });
      }
    }
    keys.push(key as unknown as TenantApiKey);
  });
  return keys;
}

/**
 * Validates one tenant. `path` is where it sits in its file (`$` for a tenant file,
 * `$.tenants[1]` inside a `--config` file), so every error points at the exact spot.
 */
export function parseTenant(json: unknown, source = 'tenant', path = '$'): ParsedTenant {
  if (!isObject(json))
    throw new TenantConfigError(source, [{ path, message: 'expected an object' }]);
  const { api_keys, return_origins, ...rest } = json;
  const errors: ValidationError[] = [];
  const keys = parseKeys(api_keys, `${path}.api_keys`, errors);
  const returnOrigins: OriginPattern[] = [];
  if (return_origins !== undefined && !Array.isArray(return_origins)) {
    errors.push({ path: `${path}.return_origins`, message: 'expected an array of origins' });
  } else {
    (return_origins ?? []).forEach((origin: unknown, i: number) => {
      try {
        if (typeof origin !== 'string') throw new Error('expected a string');
        returnOrigins.push(parseOriginPattern(origin));
      } catch (err) {
        errors.push({ path: `${path}.return_origins[${i}]`, message: (err as Error).message });
      }
    });
  }
  const checked = validateTenantConfig(rest);
  if (!checked.ok) {
    for (const e of checked.errors) errors.push({ ...e, path: path + e.path.slice(1) });
  }
  if (errors.length > 0 || !checked.ok) throw new TenantConfigError(source, errors);
  return { config: checked.value, keys, returnOrigins };
}
