import quickstart from './quickstart.json';
import type { TenantDefinition } from './tenant.js';

/**
 * The seeds' quickstart as a tenant: two API keys (one per source), actions `login`
 * (POST /login) and `view_article` (GET /articles/…), the entity `client_ip + user_agent`,
 * Monitor/Challenge/Block mitigations and three policies: challenge a client with more than 5
 * logins in 1 minute, block `?foo=bar`, monitor a client above 20% of the tenant's traffic in
 * 1 hour (once 20 requests were seen). Return origins: loopback http on any port.
 * The secrets are public test values: never use them outside local tests.
 */
export const QUICKSTART_TENANT: TenantDefinition = deepFreeze(quickstart as TenantDefinition);

// Frozen so that one test changing it cannot change every later test's tenant.
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
