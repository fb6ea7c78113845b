/**
 * Where a runtime finds its tenants and their API keys. `MemoryTenantStore` holds tenants
 * configured at start-up; a runtime that syncs its configuration can bring its own store.
 */
import type { RuntimeKey } from '../protocol/types.js';
import { parseTenant } from './tenant.js';
import { MemoryTenantState, type TenantState } from './tenant-state.js';

export interface TenantStore {
  get(tenantId: string): TenantState | undefined;
  /** Every tenant, in configuration order. */
  list(): readonly TenantState[];
  /** Every tenant's API keys, each naming its tenant (`tenantId`). */
  keys(): readonly RuntimeKey[];
  /** Every tenant back to its configured rules, with fresh counters, results and audit log. */
  reset(): void;
}

export class MemoryTenantStore implements TenantStore {
  private readonly tenants = new Map<string, TenantState>();
  private readonly tenantKeys: RuntimeKey[] = [];

  /**
   * Validates every tenant (`TenantConfigError` with JSON paths `$.tenants[i]…`) and refuses a
   * tenant id or an API key configured twice: two owners would make the secret ambiguous.
   */
  constructor(definitions: readonly unknown[], now: () => number) {
    const parsed = definitions.map((t, i) => parseTenant(t, `tenants[${i}]`, `$.tenants[${i}]`));
    const seen = new Set<string>();
    for (const t of parsed) {
      const id = t.config.tenant_id;
      if (this.tenants.has(id)) throw new Error(`tenant ${id} is configured twice`);
      this.tenants.set(id, new MemoryTenantState(t, now));
      for (const k of t.keys) {
        if (seen.has(k.apiKey)) throw new Error(`API key ${k.apiKey} is configured twice`);
        seen.add(k.apiKey);
        this.tenantKeys.push({
          apiKey: k.apiKey,
          secret: k.secret,
          tenantId: id,
          ...(k.source_id !== undefined && { sourceId: k.source_id }),
          ...(k.trust_level !== undefined && { trustLevel: k.trust_level }),
          ...(k.name !== undefined && { name: k.name }),
        });
      }
    }
  }

  get(tenantId: string): TenantState | undefined {
    return this.tenants.get(tenantId);
  }

  list(): readonly TenantState[] {
    return [...this.tenants.values()];
  }

  keys(): readonly RuntimeKey[] {
    return this.tenantKeys;
  }

  reset(): void {
    for (const tenant of this.tenants.values()) tenant.reset();
  }
}
