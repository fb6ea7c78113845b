/** The API keys a mock accepts: `keys`, plus every tenant's, each id at most once. */
import { parseTenant } from './tenant.js';
import { TenantState } from './tenant-state.js';
import type { MockKey, MockRuntimeOptions } from './types.js';

export function buildKeysAndTenants(
  options: MockRuntimeOptions,
  defaultKey: Readonly<MockKey>,
  now: () => number,
): { keys: Map<string, MockKey>; tenants: Map<string, TenantState> } {
  const parsed = (options.tenants ?? []).map((t, i) =>
    parseTenant(t, `tenants[${i}]`, `$.tenants[${i}]`),
  );
  const keys = new Map<string, MockKey>();
  const add = (key: MockKey) => {
    // Two owners for one key id would make the tenant (and the secret) ambiguous.
    if (keys.has(key.apiKey)) throw new Error(`API key ${key.apiKey} is configured twice`);
    keys.set(key.apiKey, key);
  };
  // With tenants, only their keys are accepted unless `keys` says otherwise.
  for (const k of options.keys ?? (parsed.length > 0 ? [] : [defaultKey])) add({ ...k });

  const tenants = new Map<string, TenantState>();
  for (const t of parsed) {
    const id = t.config.tenant_id;
    if (tenants.has(id)) throw new Error(`tenant ${id} is configured twice`);
    tenants.set(id, new TenantState(t, now));
    for (const k of t.keys) {
      add({
        apiKey: k.apiKey,
        secret: k.secret,
        tenantId: id,
        ...(k.source_id !== undefined && { sourceId: k.source_id }),
        ...(k.trust_level !== undefined && { trustLevel: k.trust_level }),
        ...(k.name !== undefined && { name: k.name }),
      });
    }
  }
  return { keys, tenants };
}
