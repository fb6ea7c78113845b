/**
 * The configuration version a hybrid runtime syncs by: a hash of the tenant's configuration as
 * the snapshot serves it. A hash rather than a counter so that it changes exactly when the
 * configuration does (a change undone, a restart with the same tenants: the same version) and
 * cannot name two different configurations, as a counter restarting at 1 would.
 */
import { createHash } from 'node:crypto';
import {
  DEFAULT_ENTITY_DEFINITION_ID,
  DEFAULT_SESSION_ENTITY_DEFINITION_ID,
  type TenantConfig,
} from '@esper/policy';

/** JSON with every object's keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The whole configuration with every list and both default entity ids spelled out, so an edge
 * runtime needs no knowledge of which defaults the origin applied.
 */
export function syncedConfig(config: TenantConfig): Required<TenantConfig> {
  return {
    tenant_id: config.tenant_id,
    actions: config.actions ?? [],
    entity_definitions: config.entity_definitions ?? [],
    mitigations: config.mitigations ?? [],
    policies: config.policies ?? [],
    rules: config.rules ?? [],
    default_entity_definition_id:
      config.default_entity_definition_id ?? DEFAULT_ENTITY_DEFINITION_ID,
    session_entity_definition_id:
      config.session_entity_definition_id ?? DEFAULT_SESSION_ENTITY_DEFINITION_ID,
  };
}

/** `cfg_` and 32 hex digits (128 bits of SHA-256): safe inside an ETag's quotes. */
export function configVersion(config: TenantConfig): string {
  const digest = createHash('sha256')
    .update(canonicalJson(syncedConfig(config)))
    .digest('hex');
  return `cfg_${digest.slice(0, 32)}`;
}
