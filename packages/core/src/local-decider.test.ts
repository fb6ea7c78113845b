import { describe, expect, it } from 'vitest';
import { createEsper } from './client.js';
import type { EsperOptions } from './config.js';
import type { RuntimeRequestBody } from './context.js';
import { silentLogger } from './logger.js';

const noCalls = {
  async send(): Promise<never> {
    throw new Error('a local decider must never call the runtime');
  },
};
function esper(
  decide: (body: RuntimeRequestBody, context?: unknown) => unknown,
  options: EsperOptions = {},
) {
  return createEsper({
    apiKey: 'k',
    secret: 's',
    env: {},
    logger: silentLogger,
    transport: noCalls,
    decider: { decide },
    ...options,
  });
}
const request = (path = '/login') =>
  new Request(`https://app.example${path}`, { headers: { 'user-agent': 'UA/1' } });
const facts = { remoteAddress: '203.0.113.9' };

describe('a local decider (hybrid mode)', () => {
  it('gets the body the runtime would get and decides with source local', async () => {
    let seen: RuntimeRequestBody | undefined;
    const d = await esper((body) => {
      seen = body;
      return { action: 'block', decision_id: 'dec_local_1', policy_id: 'pol_a' };
    }).protect(request(), facts);
    expect(d).toMatchObject({
      action: 'block',
      source: 'local',
      reason: 'local',
      enforced: true,
      decisionId: 'dec_local_1',
      policyId: 'pol_a',
    });
    expect(seen?.request).toMatchObject({
      method: 'GET',
      path: '/login',
      client_ip: '203.0.113.9',
    });
  });

  it('its answers are checked like the runtime’s', async () => {
    const d = await esper(() => ({
      action: 'allow',
      upstream_headers: [
        ['x-esper-city', 'Łódź'],
        ['x-esper-decision', 'forged'],
      ],
    })).protect(request(), facts);
    expect(d.upstreamHeaders).toEqual([]);
    expect(await esper(() => ({ action: 'quarantine' })).protect(request(), facts)).toMatchObject({
      source: 'fallback',
      reason: 'bad_response',
    });
  });

  it('a throw is an internal fallback; a hang is a timeout, open or closed per route', async () => {
    const thrown = await esper(() => {
      throw new Error('store down');
    }).protect(request(), facts);
    expect(thrown).toMatchObject({ source: 'fallback', reason: 'internal', action: 'allow' });
    expect(thrown.message).toBe('local decider failed: store down');
    const hung = esper(() => new Promise(() => {}), {
      timeoutMs: 30,
      failClosedRoutes: ['/login'],
    });
    expect(await hung.protect(request(), facts)).toMatchObject({
      reason: 'timeout',
      action: 'block',
    });
  });

  it('client-scoped answers are cached as the runtime’s are', async () => {
    let calls = 0;
    const e = esper(() => {
      calls++;
      return { action: 'block', ttl_seconds: 60, cache_scope: 'client' };
    });
    await e.protect(request('/a'), facts);
    expect(await e.protect(request('/b'), facts)).toMatchObject({ source: 'cache' });
    expect(calls).toBe(1);
  });

  it('hands the platform’s waitUntil to the decider for its background work', async () => {
    const handed: Promise<unknown>[] = [];
    let context: unknown;
    await esper((_body, ctx?: unknown) => {
      context = ctx;
      return { action: 'allow' };
    }).protect(request(), { ...facts, waitUntil: (p) => handed.push(p) });
    expect(typeof (context as { waitUntil?: unknown })?.waitUntil).toBe('function');
  });

  it('refuses a decider without a decide method at start-up', () => {
    expect(() => createEsper({ apiKey: 'k', secret: 's', env: {}, decider: {} as never })).toThrow(
      /"decider"/,
    );
  });
});
