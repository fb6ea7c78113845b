/**
 * A tenant snapshot as origin serves it (`GET /api/v1/hybrid/snapshot`) or as a user bundles
 * it (`bootstrap`), checked in full before anything decides with it: a snapshot is taken whole
 * or refused whole, never half applied.
 */
import {
  compilePolicyEngine,
  type PolicyEngine,
  type PolicyStore,
  readTenantConfig,
  type TenantConfig,
  type ValidationError,
  type ValidationResult,
  validateTenantConfig,
} from '@esper/policy';
import { type ClearanceJwk, clearanceKeyErrors } from './clearance.js';

export interface Snapshot {
  /** Origin's version of the tenant configuration; also the `ETag` it is served with. */
  version: string;
  tenant_id: string;
  generated_at: string;
  config: TenantConfig;
  /** What the API key says about the sender, encoded as `source_id` / `trust_level` fields. */
  source: { source_id?: string | null; trust_level?: string | null };
  /** Public keys that verify clearance tokens (clearance.ts); absent: none verifies. */
  clearance_keys?: ClearanceJwk[];
}

export type SnapshotResult =
  | { ok: true; value: Snapshot }
  | { ok: false; errors: ValidationError[] };

/** A snapshot ready to decide with: one engine per snapshot, never shared or mutated. */
export interface LoadedSnapshot {
  snapshot: Snapshot;
  engine: PolicyEngine;
  keyContext: { source_id?: string; trust_level?: string };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

function envelopeErrors(json: Record<string, unknown>): ValidationError[] {
  const errors: ValidationError[] = [];
  for (const key of ['version', 'tenant_id', 'generated_at'] as const) {
    if (typeof json[key] !== 'string' || json[key] === '')
      errors.push({ path: `$.${key}`, message: 'expected a non-empty string' });
  }
  const source = json.source;
  if (!isObject(source)) {
    errors.push({ path: '$.source', message: 'expected an object' });
  } else {
    for (const key of ['source_id', 'trust_level'] as const) {
      if (!optionalString(source[key]))
        errors.push({ path: `$.source.${key}`, message: 'expected a string or null' });
    }
  }
  return errors;
}

/** Checks a snapshot with `@esper/policy`'s validators; errors carry JSON paths (`$.config…`). */
export function validateSnapshot(json: unknown): SnapshotResult {
  return checkSnapshot(json, validateTenantConfig);
}

/**
 * The envelope's checks, with `readConfig` checking `$.config`: `validateTenantConfig` (every
 * authoring check) for `validateSnapshot`, `readTenantConfig` (what the engine relies on, much
 * smaller in a bundle) for snapshots about to decide: origin validated them when written.
 */
function checkSnapshot(
  json: unknown,
  readConfig: (json: unknown) => ValidationResult<TenantConfig>,
): SnapshotResult {
  if (!isObject(json)) return { ok: false, errors: [{ path: '$', message: 'expected an object' }] };
  const errors = envelopeErrors(json);
  errors.push(...clearanceKeyErrors(json.clearance_keys));
  const config = readConfig(json.config);
  if (!config.ok) {
    // The validator's paths start at the configuration (`$`); here it sits under `$.config`.
    for (const e of config.errors) errors.push({ ...e, path: `$.config${e.path.slice(1)}` });
  } else if (config.value.tenant_id !== json.tenant_id) {
    errors.push({ path: '$.config.tenant_id', message: 'differs from $.tenant_id' });
  }
  if (errors.length > 0 || !config.ok) return { ok: false, errors };
  const source = json.source as Snapshot['source'];
  return {
    ok: true,
    value: {
      version: json.version as string,
      tenant_id: json.tenant_id as string,
      generated_at: json.generated_at as string,
      config: config.value,
      source: { source_id: source.source_id, trust_level: source.trust_level },
      ...(json.clearance_keys !== undefined && {
        clearance_keys: json.clearance_keys as ClearanceJwk[],
      }),
    },
  };
}

/**
 * Checks (lean: `readTenantConfig`) and compiles a snapshot; the engine counts in the shared
 * `store`. A snapshot it refuses is refused whole, with JSON paths, and the old one kept.
 */
export function loadSnapshot(
  json: unknown,
  store: PolicyStore,
  now: () => number,
): { ok: true; value: LoadedSnapshot } | { ok: false; errors: ValidationError[] } {
  const checked = checkSnapshot(json, readTenantConfig);
  if (!checked.ok) return checked;
  const snapshot = checked.value;
  let engine: PolicyEngine;
  try {
    engine = compilePolicyEngine(snapshot.config, { store, now });
  } catch (err) {
    const errors = (err as { errors?: ValidationError[] }).errors;
    return { ok: false, errors: errors ?? [{ path: '$.config', message: String(err) }] };
  }
  const keyContext: LoadedSnapshot['keyContext'] = {};
  if (snapshot.source.source_id) keyContext.source_id = snapshot.source.source_id;
  if (snapshot.source.trust_level) keyContext.trust_level = snapshot.source.trust_level;
  return { ok: true, value: { snapshot, engine, keyContext } };
}

/** `$.config.policies[0].window: expected an object; …`, for logs and `status().lastError`. */
export function describeErrors(errors: readonly ValidationError[]): string {
  const shown = errors.slice(0, 5).map((e) => `${e.path}: ${e.message}`);
  const more = errors.length > 5 ? ` (+${errors.length - 5} more)` : '';
  return shown.join('; ') + more;
}
