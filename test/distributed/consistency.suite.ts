/**
 * Consistency across instances: 3 Node processes × 2,000 requests, at once, sharing one real
 * redis-server, directly (node-redis over TCP) and through Upstash's REST protocol (the test
 * bridge onto the same server). Every decision must be the one exactly-right enforcement makes:
 * the decisions are replayed one at a time, in the order the store serialized them, through an
 * in-memory engine; any request allowed that the replay blocks is overshoot, and must be 0.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisUnavailable, startRedisServer } from '../helpers/redis-server.js';
import { startUpstashBridge, type UpstashBridge } from '../helpers/upstash-bridge.js';
import { bundleWorker, startWorker, type Worker } from './bundle.js';
import { checkExact } from './exactness.js';
import { type Outcome, TENANT_ID, traffic } from './plan.js';

const PROCESSES = 3;
const PER_PROCESS = 2_000;
const unavailable = redisUnavailable();
if (unavailable) console.warn(`distributed suite skipped: ${unavailable}`);

let server: RedisServer;
let bridge: UpstashBridge;
let file: string;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

describe.skipIf(unavailable)('consistency', () => {
  beforeAll(async () => {
    server = await startRedisServer();
    bridge = await startUpstashBridge(server.url);
    file = await bundleWorker();
  });
  afterAll(async () => {
    await bridge?.close();
    await server?.stop();
    if (file) rmSync(dirname(file), { recursive: true, force: true });
  });

  for (const kind of ['redis', 'upstash'] as const) {
    it(`${kind}: 3 processes × 2,000 requests, 0 overshoot`, async ({ task }) => {
      server.cli('FLUSHALL');
      server.cli('CONFIG', 'RESETSTAT');
      const env = {
        STORE: kind,
        REDIS_URL: server.url,
        UPSTASH_URL: bridge.url,
        UPSTASH_TOKEN: bridge.token,
      };
      const workers: Worker[] = await Promise.all(
        Array.from({ length: PROCESSES }, () => startWorker(file, env)),
      );
      const plans = traffic(PROCESSES, PER_PROCESS);
      const started = performance.now();
      let results: Outcome[][];
      try {
        results = await Promise.all(workers.map((w, i) => w.run(plans[i]!)));
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      const seconds = (performance.now() - started) / 1000;
      const outcomes = results.flat();
      expect(outcomes).toHaveLength(PROCESSES * PER_PROCESS);
      const exact = await checkExact(outcomes);
      const row = {
        store: kind === 'redis' ? 'Redis (node-redis, TCP)' : 'Upstash REST → Redis',
        processes: PROCESSES,
        requests: outcomes.length,
        ...exact,
        p50ms: Number(
          percentile(
            outcomes.map((o) => o.ms),
            50,
          ).toFixed(2),
        ),
        p99ms: Number(
          percentile(
            outcomes.map((o) => o.ms),
            99,
          ).toFixed(2),
        ),
        perSecond: Math.round(outcomes.length / seconds),
        evalsha: Number(
          /cmdstat_evalsha:calls=(\d+)/.exec(server.cli('INFO', 'commandstats'))?.[1] ?? 0,
        ),
      };
      task.meta.row = row;
      expect(exact.overshoot).toBe(0);
      expect(exact.undershoot).toBe(0);
      // Both policies decided some requests, so both were exercised.
      expect(row.blockedCount).toBeGreaterThan(0);
      expect(row.blockedShare).toBeGreaterThan(0);
      // One script run per decision, counted on the server (a process's first may have met
      // NOSCRIPT and loaded it with EVAL).
      expect(row.evalsha).toBeGreaterThanOrEqual(outcomes.length);
      expect(row.evalsha).toBeLessThanOrEqual(outcomes.length + PROCESSES);
      expect(server.cli('KEYS', `esper:{${TENANT_ID}}:w:60:*`).split('\n').length).toBeGreaterThan(
        800,
      );
    }, 120_000);
  }
});

declare module 'vitest' {
  interface TaskMeta {
    row?: Record<string, string | number>;
  }
}
