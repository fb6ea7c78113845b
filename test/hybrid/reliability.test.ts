/**
 * Hybrid mode when things go wrong (issue 13, "Reliability"), end to end: `createEsper({
 * decider })` with `@esper/hybrid` synced from the real `@esper/runtime` over HTTP on
 * 127.0.0.1, through a faulty proxy (./origin-proxy.ts) where the fault is on the network.
 */
import { performance } from 'node:perf_hooks';
import type { Esper, RuntimeRequestBody } from '@esper/core';
import { createMemoryStore, type PolicyStore } from '@esper/policy';
import { QUICKSTART_TENANT, type RuntimeServer, type TenantDefinition } from '@esper/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { type OriginProxy, startOriginProxy } from './origin-proxy.js';
import {
  admin,
  fetchSnapshot,
  hybridEsper,
  OffsetClock,
  QS_KEY,
  recordingLogger,
  resultsOf,
  startTenant,
  until,
  verdict,
} from './support.js';

// Everything a test starts, closed after it whatever happened.
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function origin(tenant: TenantDefinition = QUICKSTART_TENANT, port?: number) {
  const server = await startTenant(tenant, undefined, port);
  cleanups.push(() => server.close());
  return server;
}

async function proxyTo(server: { url: string }): Promise<OriginProxy> {
  const proxy = await startOriginProxy(() => server.url);
  cleanups.push(() => proxy.close());
  return proxy;
}

function edge(apiBase: string, options: Parameters<typeof hybridEsper>[2] = {}) {
  const logger = recordingLogger();
  const made = hybridEsper(apiBase, QS_KEY, { logger, ...options });
  cleanups.push(() => made.hybrid.close());
  return { ...made, logger };
}

let clientSeq = 0;
/** A fresh client address per call site, so login windows start empty. */
const newClient = () => {
  clientSeq += 1;
  return `198.18.${clientSeq >> 8}.${clientSeq & 255}`;
};

function protect(esper: Esper, path: string, ip: string, method = 'GET') {
  const request = new Request(`http://app.test${path}`, {
    method,
    headers: { 'user-agent': 'Mozilla/5.0 (reliability)' },
  });
  return esper.protect(request, { remoteAddress: ip });
}

/** The quickstart tenant's answers, through `esper`: a block, an allow, a login burst. */
async function expectQuickstartDecisions(esper: Esper) {
  const ip = newClient();
  expect(await protect(esper, '/?foo=bar', ip)).toMatchObject({
    action: 'block',
    source: 'local',
    policyId: 'pol_foo_bar',
    mitigationId: 'mit_block',
  });
  expect(await protect(esper, '/articles/1', ip)).toMatchObject({
    action: 'allow',
    source: 'local',
  });
  // The client's window holds 2 events; logins 1–3 keep it at 5 or under, 4 and on exceed it.
  const logins = [];
  for (let i = 0; i < 5; i++) logins.push((await protect(esper, '/login', ip, 'POST')).action);
  expect(logins).toEqual(['allow', 'allow', 'allow', 'challenge', 'challenge']);
}

/** A wire body as core builds it, for calling the decider directly. */
function wireBody(path: string, ip: string): RuntimeRequestBody {
  const [p, query] = path.split('?');
  return {
    observed_at: new Date().toISOString(),
    idempotency_key: crypto.randomUUID(),
    request: {
      method: 'GET',
      scheme: 'http',
      host: 'app.test',
      path: p!,
      ...(query !== undefined && { query }),
      client_ip: ip,
      user_agent: 'Mozilla/5.0 (reliability)',
      headers: {},
    },
    return_url: `http://app.test${path}`,
    source: { sdk: '@esper/core', version: '0.1.0', runtime: 'node' },
  } as RuntimeRequestBody;
}

const patchPolicy = async (server: RuntimeServer, id: string, patch: unknown) => {
  const response = await admin(server, 'PATCH', `/tenants/quickstart/policies/${id}`, patch);
  expect(response.status).toBe(200);
  return response.headers.get('x-esper-config-version')!;
};

const warnings = (logger: ReturnType<typeof recordingLogger>) =>
  logger.at('warn').map((l) => l.msg);

describe('origin down at start', () => {
  it('the bootstrap decides from the first request; origin takes over once it is up', async () => {
    const first = await origin();
    const bootstrap = await fetchSnapshot(first.url, QS_KEY);
    const port = first.port;
    await first.close(); // nothing listens on `port` now

    const { hybrid, esper, logger } = edge(`http://127.0.0.1:${port}`, {
      bootstrap,
      pollIntervalMs: 50,
      random: () => 0,
    });
    await hybrid.ready(); // the first attempt failed, the bootstrap decides
    expect(hybrid.status()).toMatchObject({
      version: bootstrap.version,
      source: 'bootstrap',
      syncedAt: undefined,
      stale: true,
      lastError: expect.stringMatching(/fetch failed|ECONNREFUSED/),
    });
    await expectQuickstartDecisions(esper);
    expect(warnings(logger)).toContainEqual(
      expect.stringContaining(
        `deciding with snapshot ${bootstrap.version}, never confirmed by origin`,
      ),
    );

    // Origin comes up (same port): the bootstrap's version is confirmed (304), then a change
    // at origin reaches the edge.
    const server = await origin(QUICKSTART_TENANT, port);
    await until(() => expect(hybrid.status().syncedAt).toBeDefined(), 10_000);
    expect(hybrid.status()).toMatchObject({
      version: bootstrap.version,
      lastError: undefined,
      stale: false,
    });
    const fooBar = QUICKSTART_TENANT.policies!.find((p) => p.policy_id === 'pol_foo_bar')!;
    const clauses = (fooBar as { clauses: object[] }).clauses;
    const v2 = await patchPolicy(server, 'pol_foo_bar', {
      clauses: [{ ...clauses[0], mitigation_id: 'mit_monitor' }],
    });
    await until(
      () => expect(hybrid.status()).toMatchObject({ version: v2, source: 'origin' }),
      10_000,
    );
    expect(await protect(esper, '/?foo=bar', newClient())).toMatchObject({
      action: 'block',
      mode: 'monitor',
      enforced: false,
      policyId: 'pol_foo_bar',
      mitigationId: 'mit_monitor',
    });
  });

  it('without a bootstrap, ready() rejects saying why and requests fall back (fail open)', async () => {
    const gone = await origin();
    const port = gone.port;
    await gone.close();
    const { hybrid, esper } = edge(`http://127.0.0.1:${port}`, { pollIntervalMs: 1000 });
    await expect(hybrid.ready()).rejects.toThrow(/no snapshot \(.*(fetch failed|ECONNREFUSED)/);
    expect(await protect(esper, '/?foo=bar', newClient())).toMatchObject({
      action: 'allow',
      source: 'fallback',
      reason: 'internal',
    });
  });
});

describe('origin down during the run', () => {
  it('last-known-good keeps deciding (windows keep counting); status and the warning say how stale', async () => {
    const server = await origin();
    const clock = new OffsetClock();
    const { hybrid, esper, logger } = edge(server.url, { now: clock.now, pollIntervalMs: 100 });
    await hybrid.ready();
    const { version, syncedAt } = hybrid.status();
    expect(hybrid.status()).toMatchObject({ source: 'origin', stale: false, lastError: undefined });

    // A login burst begun while origin is up ...
    const ip = newClient();
    for (let i = 0; i < 4; i++)
      expect((await protect(esper, '/login', ip, 'POST')).action).toBe('allow');
    await server.close();
    clock.offsetMs += 45_000; // 45 s without origin
    await until(() => expect(hybrid.status().lastError).toMatch(/fetch failed|ECONNREFUSED/));
    // ... goes on counting across the outage.
    expect((await protect(esper, '/login', ip, 'POST')).action).toBe('allow');
    expect((await protect(esper, '/login', ip, 'POST')).action).toBe('challenge');
    await expectQuickstartDecisions(esper);

    expect(hybrid.status()).toMatchObject({ version, syncedAt, source: 'origin', stale: true });
    const warning = logger.at('warn').find((l) => l.msg.includes('sync failed'));
    expect(warning?.msg).toMatch(
      new RegExp(`deciding with snapshot ${version}, last confirmed (4[5-9]|[5-9]\\d) s ago`),
    );
    expect(warning?.obj).toMatchObject({ version, staleMs: expect.any(Number) });
    expect(warning!.obj.staleMs as number).toBeGreaterThanOrEqual(45_000);
  });
});

describe('slow origin: a sync never delays a request', () => {
  for (const refresh of ['timers', 'requests'] as const) {
    it(`refresh '${refresh}': decisions return in well under the hang while a snapshot fetch hangs`, async () => {
      const server = await origin();
      const proxy = await proxyTo(server);
      const { hybrid, esper } = edge(proxy.url, {
        refresh,
        pollIntervalMs: 20,
        syncTimeoutMs: 1500,
      });
      await hybrid.ready();
      const { version } = hybrid.status();
      proxy.snapshot = { kind: 'hang' };
      await new Promise((r) => setTimeout(r, 40)); // a poll is due
      const hangStarted = performance.now();
      // With 'requests', this very decision starts the sync that hangs.
      const first = await hybrid.decider.decide(wireBody('/?foo=bar', newClient()));
      expect(first).toMatchObject({ action: 'block', policy_id: 'pol_foo_bar' });
      await until(() => expect(proxy.hanging).toBe(1), 2000);

      const slowest = { decide: 0, protect: 0 };
      for (let i = 0; i < 200; i++) {
        const ip = newClient();
        let t = performance.now();
        const answer = (await hybrid.decider.decide(wireBody('/?foo=bar', ip))) as {
          action: string;
        };
        slowest.decide = Math.max(slowest.decide, performance.now() - t);
        expect(answer.action).toBe('block');
        t = performance.now();
        const d = await protect(esper, '/?foo=bar', ip);
        slowest.protect = Math.max(slowest.protect, performance.now() - t);
        expect(d).toMatchObject({ action: 'block', source: 'local' });
      }
      const batchMs = performance.now() - hangStarted;
      // The fetch was still hanging after all 400 decisions, each of which took milliseconds.
      expect(proxy.hanging).toBe(1);
      expect(batchMs).toBeLessThan(1500);
      expect(slowest.decide).toBeLessThan(50);
      expect(slowest.protect).toBeLessThan(50);
      expect(hybrid.status().version).toBe(version);
      // The sync's own deadline ends the hang; the old snapshot still decides.
      await until(() => expect(hybrid.status().lastError).toMatch(/abort|timeout/i), 5000);
      expect(hybrid.status().version).toBe(version);
      proxy.snapshot = { kind: 'pass' };
      proxy.release();
    });
  }
});

describe('corrupt or invalid snapshot: refused with the JSON path, the old one kept', () => {
  it('not JSON, a bad envelope, an invalid policy, half-valid changes: none applied; a good one is', async () => {
    const server = await origin();
    const proxy = await proxyTo(server);
    const { hybrid, esper, logger } = edge(proxy.url, { pollIntervalMs: 20, random: () => 0 });
    await hybrid.ready();
    const { version } = hybrid.status();

    // biome-ignore lint/suspicious/noExplicitAny: the cases reach into snapshot JSON to break it.
    type Json = Record<string, any>;
    const cases: Array<[string, (json: Json) => unknown, string]> = [
      [
        'truncated body',
        (json) => JSON.stringify(json).slice(0, 200),
        'snapshot: body is not JSON',
      ],
      ['no version', ({ version: _v, ...rest }) => rest, '$.version: expected a non-empty string'],
      [
        // A valid change (pol_foo_bar now monitors) next to an invalid window: all or nothing.
        'an invalid window next to a valid change',
        (json) => {
          const config = structuredClone(json.config);
          config.policies[0].window.window_seconds = 61;
          config.policies[1].clauses[0].mitigation_id = 'mit_monitor';
          return { ...json, version: 'half-valid', config };
        },
        '$.config.policies[0].window.window_seconds',
      ],
      [
        'an unknown mitigation',
        (json) => {
          const config = structuredClone(json.config);
          config.policies[1].clauses[0].mitigation_id = 'mit_gone';
          return { ...json, version: 'dangling', config };
        },
        "$.config.policies[1].clauses[0].mitigation_id: unknown mitigation_id 'mit_gone'",
      ],
      [
        'another tenant',
        (json) => ({ ...json, version: 'other', tenant_id: 'other' }),
        '$.config.tenant_id: differs from $.tenant_id',
      ],
    ];
    for (const [name, rewrite, expected] of cases) {
      proxy.snapshot = { kind: 'rewrite', rewrite };
      await until(() => expect(hybrid.status().lastError, name).toContain(expected), 10_000);
      expect(hybrid.status().version, name).toBe(version);
      expect(
        warnings(logger).some((m) => m.includes(expected)),
        name,
      ).toBe(true);
      // The old snapshot decides, whole: the half-valid change to pol_foo_bar is not in it.
      await expectQuickstartDecisions(esper);
    }

    // Origin serves a good change again: it is taken.
    proxy.snapshot = { kind: 'pass' };
    const v2 = await patchPolicy(server, 'pol_foo_bar', { name: 'Block foo=bar (v2)' });
    await until(
      () => expect(hybrid.status()).toMatchObject({ version: v2, lastError: undefined }),
      10_000,
    );
    await expectQuickstartDecisions(esper);
  });
});

describe('reporter queue full', () => {
  it('bounded at 10,000 while origin refuses events; drops counted, said once; the rest arrive', async () => {
    const server = await origin();
    const proxy = await proxyTo(server);
    proxy.events = { kind: 'status', status: 503 };
    const { hybrid, esper, logger } = edge(proxy.url, {
      pollIntervalMs: 3_600_000,
      random: () => 0,
    });
    await hybrid.ready();

    const N = 10_400;
    let maxQueued = 0;
    for (let i = 0; i < N; i++) {
      await protect(esper, '/articles/1', `10.0.${i >> 8}.${i & 255}`);
      if (i % 100 === 0) maxQueued = Math.max(maxQueued, hybrid.status().events.queued);
    }
    await until(() => {
      const { queued, dropped, sent } = hybrid.status().events;
      expect(queued + dropped).toBe(N);
      expect(sent).toBe(0);
    });
    const { events } = hybrid.status();
    expect(maxQueued).toBeLessThanOrEqual(10_000);
    expect(events.queued).toBe(10_000);
    expect(events.dropped).toBe(N - 10_000);
    expect(proxy.calls.some((c) => c.path.endsWith('/events') && c.status === 503)).toBe(true);
    const notices = warnings(logger).filter((m) => m.includes('event queue full'));
    expect(notices).toHaveLength(1);

    proxy.events = { kind: 'pass' };
    await hybrid.close(); // sends what is queued
    expect(hybrid.status().events).toEqual({ queued: 0, sent: 10_000, dropped: N - 10_000 });
    const results = await resultsOf(server, 'quickstart');
    expect(results.by_operation_mode.hybrid.requests).toBe(10_000);
  }, 60_000);
});

describe('clock skew between edge and origin', () => {
  for (const skewS of [240, -240]) {
    it(`edge clock ${skewS > 0 ? '+' : ''}${skewS} s (within the 300 s tolerance): syncs, decides and reports as usual`, async () => {
      const server = await origin();
      const clock = new OffsetClock(skewS * 1000);
      const { hybrid, esper } = edge(server.url, { now: clock.now, pollIntervalMs: 3_600_000 });
      await hybrid.ready();
      expect(hybrid.status()).toMatchObject({ source: 'origin', lastError: undefined });
      await expectQuickstartDecisions(esper);
      await hybrid.close();
      expect(hybrid.status().events).toEqual({ queued: 0, sent: 7, dropped: 0 });
      expect((await resultsOf(server, 'quickstart')).by_operation_mode.hybrid).toMatchObject({
        requests: 7,
        decisions: { allow: 4, challenge: 2, block: 1, monitor: 0 },
      });
    });
  }

  it('edge clock 10 min ahead: a clear failure (401 stale_timestamp), decisions unaffected, events dropped and counted', async () => {
    const server = await origin();
    const bootstrap = await fetchSnapshot(server.url, QS_KEY);
    const clock = new OffsetClock(600_000);
    const { hybrid, esper, logger } = edge(server.url, {
      now: clock.now,
      bootstrap,
      pollIntervalMs: 3_600_000,
    });
    await hybrid.ready();
    expect(hybrid.status()).toMatchObject({
      source: 'bootstrap',
      syncedAt: undefined,
      lastError: expect.stringMatching(/HTTP 401 .*stale_timestamp.*timestamp outside ±300s/),
    });
    await expectQuickstartDecisions(esper);
    await hybrid.close();
    // Origin refuses the batch (401 is final): the events are dropped, counted and logged.
    expect(hybrid.status().events).toEqual({ queued: 0, sent: 0, dropped: 7 });
    expect(logger.at('error').map((l) => `${l.msg} ${l.obj.err}`)).toContainEqual(
      expect.stringMatching(/origin refused an event batch .*401.*stale_timestamp/),
    );
    expect((await resultsOf(server, 'quickstart')).by_operation_mode.hybrid.requests).toBe(0);
  });

  it('edge clock 10 min behind, no bootstrap: ready() rejects saying why; requests fall back', async () => {
    const server = await origin();
    const clock = new OffsetClock(-600_000);
    const { hybrid, esper } = edge(server.url, { now: clock.now, pollIntervalMs: 3_600_000 });
    await expect(hybrid.ready()).rejects.toThrow(/stale_timestamp/);
    expect(await protect(esper, '/?foo=bar', newClient())).toMatchObject({
      action: 'allow',
      source: 'fallback',
      reason: 'internal',
    });
  });
});

/** A store whose reads take a little while, so decisions overlap a snapshot swap. */
function slowStore(): PolicyStore {
  const inner = createMemoryStore();
  const pause = () => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
  return {
    async incrementWindow(...a) {
      await pause();
      return inner.incrementWindow(...a);
    },
    async countWindow(...a) {
      await pause();
      return inner.countWindow(...a);
    },
    async getState(...a) {
      await pause();
      return inner.getState(...a);
    },
    setState: (...a) => inner.setState(...a),
  };
}

describe('a snapshot swapped mid-traffic', () => {
  it('allow → block under concurrent decisions: each decision is wholly the snapshot it began with', async () => {
    // pol_gate watches /gate; v1 only monitors it (allowed), v2 blocks it. The StateCmp makes
    // every evaluation wait on the (slow) store, so decisions are in flight across the swap.
    const gate = {
      policy_id: 'pol_gate',
      name: 'gate',
      expression: {
        And: {
          expressions: [
            { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/gate' } },
            { StateCmp: { scope: 'Entity', field_name: 'risk', operator: 'Ne', value: 'low' } },
          ],
        },
      },
      clauses: [
        {
          entity_definition_ids: ['client'],
          mitigation_id: 'mit_monitor',
          window: { window_seconds: 60, threshold: { type: 'count', operator: 'Ge', value: 1 } },
        },
      ],
      enabled: true,
    };
    const tenant = structuredClone(QUICKSTART_TENANT) as TenantDefinition;
    tenant.policies = [...(tenant.policies ?? []), gate as never];
    const server = await origin(tenant);
    const { hybrid, esper } = edge(server.url, { pollIntervalMs: 10, store: slowStore() });
    await hybrid.ready();
    const v1 = hybrid.status().version!;

    const expected = (mitigation: string) => ({
      action: 'block', // a Monitor answer says what it would do
      mode: mitigation === 'mit_block' ? 'live' : 'monitor',
      enforced: mitigation === 'mit_block',
      policyId: 'pol_gate',
      mitigationId: mitigation,
      message: `policy pol_gate matched (clause 0, mitigation ${mitigation})`,
      ttlSeconds: 0,
    });
    const seen: Array<{ before: string; after: string; got: ReturnType<typeof verdict> }> = [];
    let v2: string | undefined;
    let stop = false;
    const worker = async (w: number) => {
      while (!stop) {
        const before = hybrid.status().version!; // read in the same tick the decider reads it
        const d = await protect(esper, '/gate', `192.0.2.${w + 1}`);
        seen.push({ before, after: hybrid.status().version!, got: verdict(d) });
      }
    };
    const workers = Array.from({ length: 32 }, (_, w) => worker(w));
    await new Promise((r) => setTimeout(r, 100));
    v2 = await patchPolicy(server, 'pol_gate', {
      clauses: [{ ...gate.clauses[0], mitigation_id: 'mit_block' }],
    });
    await until(() => expect(hybrid.status().version).toBe(v2), 5000);
    await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await Promise.all(workers);

    const byVersion: Record<string, ReturnType<typeof expected>> = {
      [v1]: expected('mit_monitor'),
      [v2]: expected('mit_block'),
    };
    for (const s of seen) expect(s.got, `began on ${s.before}`).toEqual(byVersion[s.before]);
    const straddling = seen.filter((s) => s.before === v1 && s.after === v2);
    expect(seen.filter((s) => s.before === v1).length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.before === v2).length).toBeGreaterThan(0);
    // Decisions were in flight while the snapshot was swapped, and ended on v1.
    expect(straddling.length).toBeGreaterThan(0);
  });
});
