/** `cache_scope` in policy answers: the engine's, and `request` for a waived challenge. */
import { afterEach, describe, expect, it } from 'vitest';
import { solveProofOfWork } from './challenge/challenge-store.js';
import { type RuntimeServer, startRuntime } from './server/start.js';
import type { TenantDefinition } from './tenants/tenant.js';
import { decide, quickstart } from './test-support/tenant-calls.js';

let server: RuntimeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** "More than 5 requests in 1 minute" per client IP + user agent. */
function burstTenant(expression?: unknown, mitigation_id = 'mit_block'): TenantDefinition {
  return quickstart({
    policies: [
      {
        policy_id: 'pol_burst',
        name: 'burst per IP + user agent',
        ...(expression ? { expression } : {}),
        entity_definition_id: 'client',
        mitigation_id,
        window: { window_seconds: 60, threshold: { type: 'count', operator: 'Gt', value: 5 } },
        enabled: true,
      },
    ] as TenantDefinition['policies'],
  });
}

async function sixthLogin(url: string) {
  for (let i = 0; i < 5; i++) await decide(url, { method: 'POST', path: '/login' });
  return (await decide(url, { method: 'POST', path: '/login' })) as unknown as Record<
    string,
    unknown
  >;
}

describe('cache_scope', () => {
  it('the quickstart ?foo=bar block is per request', async () => {
    server = await startRuntime({
      tenants: [quickstart()],
      decisionTtlSeconds: { block: 60 },
    });
    expect(await decide(server.url, { query: 'foo=bar' })).toMatchObject({
      action: 'block',
      policy_id: 'pol_foo_bar',
      cache_scope: 'request',
    });
  });

  it('a burst per IP + user agent with no path condition is for the client', async () => {
    server = await startRuntime({
      tenants: [burstTenant()],
      decisionTtlSeconds: { block: 60 },
    });
    expect(await sixthLogin(server.url)).toMatchObject({
      action: 'block',
      policy_id: 'pol_burst',
      ttl_seconds: 60,
      cache_scope: 'client',
    });
  });

  it('the same burst limited to /login is per request', async () => {
    const onLogin = { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/login' } };
    server = await startRuntime({ tenants: [burstTenant(onLogin)] });
    expect(await sixthLogin(server.url)).toMatchObject({
      action: 'block',
      cache_scope: 'request',
    });
  });

  it('an allow that a clearance waived is per request, though its challenge was not', async () => {
    const tenant = burstTenant(undefined, 'mit_challenge');
    server = await startRuntime({ tenants: [tenant], challenge: { difficulty: 4 } });
    // This process is the browser: the decisions must name its own address and user agent.
    const client = { clientIp: '127.0.0.1', userAgent: 'Browser/1.0' };
    for (let i = 0; i < 5; i++) await decide(server.url, client);
    const challenged = await decide(server.url, client);
    expect(challenged).toMatchObject({ action: 'challenge', cache_scope: 'client' });

    const page = await fetch(challenged.challenge!.url, {
      headers: { 'user-agent': 'Browser/1.0' },
    });
    const html = await page.text();
    const seed = /data-seed="([0-9a-f]{32})"/.exec(html)![1]!;
    const form = {
      d: challenged.decision_id,
      return_url: 'http://127.0.0.1:3000/',
      nonce: await solveProofOfWork(seed, 4),
    };
    const verified = await fetch(`${server.url}/challenge/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Browser/1.0' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    expect(verified.status).toBe(303);
    const token = new URL(verified.headers.get('location')!).searchParams.get('esper_clearance')!;
    expect(await decide(server.url, { ...client, clearance: token })).toMatchObject({
      action: 'allow',
      cache_scope: 'request',
    });
  });
});
