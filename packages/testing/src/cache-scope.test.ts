/** `cache_scope` in the mock's answers: scripted ones as written, policy ones from the engine. */
import { afterEach, describe, expect, it } from 'vitest';
import { solveProofOfWork } from './challenge-store.js';
import { decide, quickstart } from './policy-test-helpers.js';
import { type MockRuntime, startMockRuntime } from './server.js';
import type { MockTenant } from './tenant.js';
import { sampleBody, signedPost } from './test-helpers.js';

let mock: MockRuntime | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

/** "More than 5 requests in 1 minute" per client IP + user agent. */
function burstTenant(expression?: unknown, mitigation_id = 'mit_block'): MockTenant {
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
    ] as MockTenant['policies'],
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
  it('scripted answers carry it only when set', async () => {
    mock = await startMockRuntime({
      answers: [
        {
          match: { path: '/cached' },
          answer: { action: 'block', ttl_seconds: 60, cache_scope: 'client' },
        },
      ],
    });
    const body = sampleBody();
    const scripted = await signedPost(mock.url, {
      ...body,
      request: { ...body.request, path: '/cached' },
    });
    expect(await scripted.json()).toMatchObject({ action: 'block', cache_scope: 'client' });
    const plain = (await (await signedPost(mock.url, sampleBody())).json()) as object;
    expect(plain).not.toHaveProperty('cache_scope');
  });

  it('the quickstart ?foo=bar block is per request', async () => {
    mock = await startMockRuntime({ tenants: [quickstart()], decisionTtlSeconds: { block: 60 } });
    expect(await decide(mock.url, { query: 'foo=bar' })).toMatchObject({
      action: 'block',
      policy_id: 'pol_foo_bar',
      cache_scope: 'request',
    });
  });

  it('a burst per IP + user agent with no path condition is for the client', async () => {
    mock = await startMockRuntime({ tenants: [burstTenant()], decisionTtlSeconds: { block: 60 } });
    expect(await sixthLogin(mock.url)).toMatchObject({
      action: 'block',
      policy_id: 'pol_burst',
      ttl_seconds: 60,
      cache_scope: 'client',
    });
  });

  it('the same burst limited to /login is per request', async () => {
    const onLogin = { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/login' } };
    mock = await startMockRuntime({ tenants: [burstTenant(onLogin)] });
    expect(await sixthLogin(mock.url)).toMatchObject({
      action: 'block',
      cache_scope: 'request',
    });
  });

  it('an allow that a clearance waived is per request, though its challenge was not', async () => {
    const tenant = burstTenant(undefined, 'mit_challenge');
    mock = await startMockRuntime({ tenants: [tenant], challenge: { difficulty: 4 } });
    // This process is the browser: the decisions must name its own address and user agent.
    const client = { clientIp: '127.0.0.1', userAgent: 'Browser/1.0' };
    for (let i = 0; i < 5; i++) await decide(mock.url, client);
    const challenged = await decide(mock.url, client);
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
    const verified = await fetch(`${mock.url}/challenge/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Browser/1.0' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    expect(verified.status).toBe(303);
    const token = new URL(verified.headers.get('location')!).searchParams.get('esper_clearance')!;
    expect(await decide(mock.url, { ...client, clearance: token })).toMatchObject({
      action: 'allow',
      cache_scope: 'request',
    });
  });
});
