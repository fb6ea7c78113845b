/**
 * The origin side of the hybrid examples' tests (examples/*-hybrid/test): the real
 * `@esper/runtime` serving the example's esper-tenant.json, behind a recording proxy
 * (test/hybrid/origin-proxy.ts) so a test sees every call the example made to it: snapshot
 * polls, event batches, and (there must be none) mitigation calls.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  EVENTS_PATH,
  MITIGATION_PATH,
  parseTenant,
  type RuntimeServer,
  SNAPSHOT_PATH,
  startRuntime,
  type TenantDefinition,
  type TenantResults,
} from '@esper/runtime';
import { type OriginProxy, startOriginProxy } from '../hybrid/origin-proxy.js';

export { EVENTS_PATH, MITIGATION_PATH, SNAPSHOT_PATH };

export function exampleOrigin(example: string) {
  const file = fileURLToPath(
    new URL(`../../examples/${example}/esper-tenant.json`, import.meta.url),
  );
  const tenant = JSON.parse(readFileSync(file, 'utf8')) as TenantDefinition;
  parseTenant(tenant, file); // throws, naming the JSON path, if the example's tenant is invalid
  const key = tenant.api_keys[0]!;
  let server: RuntimeServer | undefined;
  let proxy: OriginProxy | undefined;
  const running = () => {
    if (!server || !proxy) throw new Error(`the origin of examples/${example} is not started`);
    return { server, proxy };
  };
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(running().server.url + path, {
      method,
      headers: {
        authorization: `Bearer ${running().server.adminToken}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  return {
    tenant,
    async start() {
      server = await startRuntime({ tenants: [tenant] });
      proxy = await startOriginProxy(() => server!.url);
    },
    async close() {
      await proxy?.close();
      await server?.close();
    },
    /** The settings the example reads: the proxy's address and the tenant's key. */
    env: (pollMs = 300) => ({
      ESPER_API_BASE: running().proxy.url,
      ESPER_API_KEY: key.apiKey,
      ESPER_API_SECRET: key.secret,
      ESPER_HYBRID_POLL_MS: String(pollMs),
    }),
    url: () => running().proxy.url,
    /** Paths of every call the example made to origin, in order. */
    calls: () => running().proxy.calls.map((c) => c.path),
    admin,
    async results(): Promise<TenantResults> {
      const res = await admin('GET', `/tenants/${tenant.tenant_id}/results`);
      if (res.status !== 200) throw new Error(`results: HTTP ${res.status}`);
      return (await res.json()) as TenantResults;
    },
  };
}

/** Polls `check` every 50 ms until it holds; throws after `limitMs`. */
export async function eventually(check: () => Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
