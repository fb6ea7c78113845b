/**
 * Store faults on a real redis-server, for the TCP store and the Upstash one (through the
 * bridge): Redis stopped, slowed (CLIENT PAUSE), restarted empty, and SIGKILLed while a script
 * runs. Every decision must come within timeoutMs + 50 ms, fail open on `/login` and closed on
 * `/admin` with reason `store_unavailable`, with no unhandled rejection; the breaker opens and
 * closes again; and counts resume once Redis is back.
 */
import { spawn } from 'node:child_process';
import { createEsper, type Decision, type Esper } from '@esper/core';
import { createHybrid, type Hybrid } from '@esper/hybrid';
import type { PolicyStore } from '@esper/policy';
import { createRedisStore, type RedisStore } from '@esper/redis';
import { createUpstashStore } from '@esper/redis/upstash';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisUnavailable, startRedisServer } from '../helpers/redis-server.js';
import { startUpstashBridge, type UpstashBridge } from '../helpers/upstash-bridge.js';
import { KEY, snapshot } from './plan.js';

const TIMEOUT_MS = 300;
const STORE_TIMEOUT_MS = 200;
const PROBE_AFTER_MS = 1_000;
const unavailable = redisUnavailable();
const silent = { debug() {}, info() {}, warn() {}, error() {} };

let unhandled = 0;
const onUnhandled = () => void unhandled++;

interface Sample {
  path: string;
  ms: number;
  d: Decision;
}

/** One app instance: hybrid over `store`, core with `/admin` failing closed. */
function instance(store: PolicyStore): { hybrid: Hybrid; esper: Esper } {
  const hybrid = createHybrid({
    ...KEY,
    apiBase: 'http://127.0.0.1:9',
    bootstrap: snapshot(),
    store,
    storeTimeoutMs: STORE_TIMEOUT_MS,
    storeBreaker: { probeAfterMs: PROBE_AFTER_MS },
    reportEvents: false,
    pollIntervalMs: 86_400_000,
    logger: silent,
  });
  const esper = createEsper({
    ...KEY,
    env: {},
    decider: hybrid.decider,
    timeoutMs: TIMEOUT_MS,
    failClosedRoutes: ['/admin'],
    logger: silent,
    fetch: async () => {
      throw new Error('a hybrid client must not call the runtime');
    },
  });
  return { hybrid, esper };
}

async function decide(esper: Esper, path: string, ip: string): Promise<Sample> {
  const started = performance.now();
  const request = new Request(`http://app.test${path}`, { headers: { 'user-agent': 'faults/1' } });
  const d = await esper.protect(request, { remoteAddress: ip });
  return { path, ms: performance.now() - started, d };
}

/** `n` decisions, `concurrency` at a time, alternating `/login` (open) and `/admin` (closed). */
async function burst(esper: Esper, n: number, concurrency = 1, ip = '203.0.113.9') {
  const out: Sample[] = [];
  for (let i = 0; i < n; i += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, n - i) }, (_, j) =>
      decide(esper, (i + j) % 2 ? '/admin' : '/login', ip),
    );
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** Every failed decision in time, open or closed by route, and named `store_unavailable`. */
function checkFallbacks(samples: Sample[]) {
  const failed = samples.filter((s) => s.d.source === 'fallback');
  for (const s of failed) {
    expect(s.d.reason).toBe('store_unavailable');
    expect(s.d.action).toBe(s.path === '/admin' ? 'block' : 'allow');
  }
  return { failed: failed.length, maxMs: Math.max(...samples.map((s) => s.ms)) };
}

/**
 * Runs a scenario; the slowest decision must be within TIMEOUT_MS + 50. The bound holds the
 * SDK, not the scheduler: on this shared machine (load average up to 10) a scenario is run
 * again, up to 3 times, when only its time was over (as the fault matrix does). A wrong
 * action, reason or recovery fails at once.
 */
async function withinBound(
  run: () => Promise<Record<string, string | number> & { maxMs: number }>,
  meta: { fault?: Record<string, string | number> },
) {
  const attempts: number[] = [];
  let row: Record<string, string | number> = {};
  let slow: Slow | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run();
    } catch (err) {
      if (!(err instanceof Slow)) throw err;
      slow = err;
      attempts.push(Number.POSITIVE_INFINITY);
      continue;
    }
    const { maxMs, ...rest } = result;
    attempts.push(Math.round(maxMs));
    row = rest;
    if (maxMs <= TIMEOUT_MS + 50) break;
  }
  if (attempts.every((a) => a === Number.POSITIVE_INFINITY)) throw slow;
  meta.fault = { ...row, maxMs: attempts.join(', ') };
  expect(Math.min(...attempts), `slowest decisions: ${attempts.join(', ')} ms`).toBeLessThanOrEqual(
    TIMEOUT_MS + 50,
  );
}

/** Decides until the store answers again (the breaker probed and closed); the samples. */
async function untilRecovered(esper: Esper, hybrid: Hybrid, limitMs = 15_000) {
  const samples: Sample[] = [];
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const s = await decide(esper, '/login', '198.51.100.200');
    samples.push(s);
    if (s.d.source === 'local' && hybrid.status().store?.state === 'closed') return samples;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`store did not come back: ${JSON.stringify(hybrid.status().store)}`);
}

/** After recovery a fresh client IP counts from 1 again: 5 allowed, the 6th and 7th blocked. */
async function countsResume(esper: Esper, ip: string) {
  const actions = [];
  for (let i = 0; i < 7; i++) actions.push((await decide(esper, '/login', ip)).d);
  const fellBack = actions.filter((d) => d.source !== 'local');
  // A store call over its 200 ms bound on this loaded machine is the scheduler's, not a fault:
  // the scenario runs again (withinBound). Any other fallback fails it.
  if (fellBack.length > 0 && fellBack.every((d) => d.message?.includes('timed out'))) {
    throw new Slow(`a store call timed out after recovery: ${fellBack[0]!.message}`);
  }
  const sources = actions.map((d) =>
    d.source === 'local' ? 'local' : `${d.source}: ${d.message}`,
  );
  expect(sources).toEqual(Array(7).fill('local'));
  expect(actions.map((d) => d.action)).toEqual([...Array(5).fill('allow'), 'block', 'block']);
}

class Slow extends Error {}

describe.skipIf(unavailable).each(['redis', 'upstash'] as const)('%s store faults', (kind) => {
  let server: RedisServer;
  let bridge: UpstashBridge | undefined;
  let redis: RedisStore | undefined;
  let store: PolicyStore;
  let nonce = 0;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startRedisServer();
    if (kind === 'upstash') {
      bridge = await startUpstashBridge(server.url);
      const client = new Redis({ url: bridge.url, token: bridge.token, retry: false });
      store = createUpstashStore({ redis: client });
    } else {
      redis = createRedisStore({ url: server.url });
      await redis.ready();
      store = redis;
    }
    // Warm: the first call loads the script (NOSCRIPT, then EVAL) and opens the connection,
    // outside the scenarios' 200 ms store bound.
    const warm = {
      tenantId: 'warm',
      windows: [{ key: 'warm|ip|1', windowSeconds: 60 }],
      state: [],
    };
    await store.record!(warm, Date.now());
  });
  afterAll(async () => {
    await redis?.close();
    await bridge?.close();
    await server?.stop();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toBe(0);
  });

  it('stopped: falls back in time, breaker opens, closes after restart, counts resume', async ({
    task,
  }) => {
    await withinBound(async () => {
      if (!server.running) await server.restart();
      nonce++;
      const { hybrid, esper } = instance(store);
      expect((await decide(esper, '/login', '192.0.2.1')).d.source).toBe('local');
      await server.stop();
      const down = await burst(esper, 30);
      const { failed, maxMs } = checkFallbacks(down);
      expect(failed).toBe(30);
      expect(hybrid.status().store).toMatchObject({ state: 'open' });
      expect(hybrid.status().store!.shortCircuited).toBeGreaterThan(0);
      await server.restart();
      const back = checkFallbacks(await untilRecovered(esper, hybrid));
      await countsResume(esper, `192.0.2.${100 + nonce}`);
      await hybrid.close();
      const slowest = Math.max(maxMs, back.maxMs);
      return {
        fault: 'stopped',
        failed,
        maxMs: slowest,
        breaker: 'opened, closed',
        resumed: 'yes',
      };
    }, task.meta);
  }, 120_000);

  it('slowed (CLIENT PAUSE 1500): decisions time out at the store bound, then recover', async ({
    task,
  }) => {
    await withinBound(async () => {
      if (!server.running) await server.restart();
      nonce++;
      const { hybrid, esper } = instance(store);
      expect((await decide(esper, '/login', '192.0.2.2')).d.source).toBe('local');
      expect(server.cli('CLIENT', 'PAUSE', '1500', 'ALL')).toBe('OK');
      const slow = await burst(esper, 24, 4);
      const { failed, maxMs } = checkFallbacks(slow);
      expect(failed).toBeGreaterThanOrEqual(10);
      expect(hybrid.status().store!.state).toBe('open');
      const back = checkFallbacks(await untilRecovered(esper, hybrid));
      await countsResume(esper, `192.0.2.${120 + nonce}`);
      await hybrid.close();
      return {
        fault: 'slowed',
        failed,
        maxMs: Math.max(maxMs, back.maxMs),
        breaker: 'opened, closed',
        resumed: 'yes',
      };
    }, task.meta);
  }, 120_000);

  it('restarted empty: counts start over once Redis is back', async ({ task }) => {
    await withinBound(async () => {
      if (!server.running) await server.restart();
      nonce++;
      const { hybrid, esper } = instance(store);
      const ip = `192.0.2.${140 + nonce}`;
      const before = [];
      for (let i = 0; i < 6; i++) before.push((await decide(esper, '/login', ip)).d.action);
      expect(before).toEqual([...Array(5).fill('allow'), 'block']);
      await server.restart();
      expect(Number(server.cli('DBSIZE'))).toBe(0);
      const samples = await untilRecovered(esper, hybrid);
      const { failed, maxMs } = checkFallbacks(samples);
      // The server forgot the six: the same client starts over.
      expect((await decide(esper, '/login', ip)).d).toMatchObject({
        source: 'local',
        action: 'allow',
      });
      const breaker = hybrid.status().store!.state;
      await hybrid.close();
      return { fault: 'restarted empty', failed, maxMs, breaker, resumed: 'yes' };
    }, task.meta);
  }, 120_000);

  it('killed mid-script: in-flight decisions fall back in time, then recover', async ({ task }) => {
    await withinBound(async () => {
      if (!server.running) await server.restart();
      nonce++;
      const { hybrid, esper } = instance(store);
      expect((await decide(esper, '/login', '192.0.2.3')).d.source).toBe('local');
      // A 3 s script holds the server; the decisions' scripts queue behind it when it dies.
      const busy = spawn('redis-cli', [
        '-p',
        String(server.port),
        'EVAL',
        "local s = tonumber(redis.call('TIME')[1]) while tonumber(redis.call('TIME')[1]) - s < 3 do end return 1",
        '0',
      ]);
      let busyOut = '';
      busy.stdout.on('data', (d) => (busyOut += d));
      const busyExited = new Promise((r) => busy.once('exit', r));
      await new Promise((r) => setTimeout(r, 150));
      const inFlight = burst(esper, 12, 12);
      await new Promise((r) => setTimeout(r, 50));
      await server.kill();
      const samples = await inFlight;
      await busyExited;
      expect(busyOut).not.toContain('(integer) 1');
      const { failed, maxMs } = checkFallbacks(samples);
      expect(failed).toBe(12);
      await server.restart();
      const back = checkFallbacks(await untilRecovered(esper, hybrid));
      await countsResume(esper, `192.0.2.${160 + nonce}`);
      await hybrid.close();
      return {
        fault: 'killed mid-script',
        failed,
        maxMs: Math.max(maxMs, back.maxMs),
        breaker: 'closed after',
        resumed: 'yes',
      };
    }, task.meta);
  }, 120_000);
});

declare module 'vitest' {
  interface TaskMeta {
    fault?: Record<string, string | number>;
  }
}
