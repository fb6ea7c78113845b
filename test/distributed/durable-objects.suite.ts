/**
 * Consistency on Durable Objects: 3 Worker instances (three app Workers in one workerd, each
 * its own isolate, through miniflare) × 2,000 requests, at once, sharing one `ESPER_COUNTERS`
 * namespace defined by a fourth Worker (`scriptName`). The policies, traffic and replay are the
 * Redis run's (plan.ts): every decision must be the one exactly-right enforcement makes, in
 * the order the tenant object counted the tenant total; any request allowed that the replay
 * blocks is overshoot, and must be 0.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExact } from './exactness.js';
import { type Outcome, type PlannedRequest, TENANT_ID, traffic } from './plan.js';

const WORKERS = 3;
const PER_WORKER = 2_000;
const SHARDS = 16;
const fixtures = join(import.meta.dirname, 'fixtures/durable-objects');

async function bundle(file: string): Promise<string> {
  const out = await build({
    entryPoints: [join(fixtures, file)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@esper/source', 'workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'error',
  });
  return out.outputFiles[0]!.text;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

let mf: Miniflare;

async function startWorkerd(): Promise<Miniflare> {
  const [counters, app] = await Promise.all([bundle('counters.ts'), bundle('app.ts')]);
  const common = { modules: true, compatibilityDate: '2025-07-01' };
  const binding = { className: 'CountingCounter', scriptName: 'counters', useSQLite: true };
  const instance = new Miniflare({
    workers: [
      {
        ...common,
        name: 'counters',
        script: counters,
        durableObjects: { ESPER_COUNTERS: { className: 'CountingCounter', useSQLite: true } },
      },
      ...Array.from({ length: WORKERS }, (_, i) => ({
        ...common,
        name: `app-${i}`,
        script: app,
        durableObjects: { ESPER_COUNTERS: binding },
      })),
    ],
  });
  await instance.ready;
  return instance;
}

/** One Worker instance's requests, decided in it one after another; the three run at once. */
async function drive(worker: string, plan: PlannedRequest[]): Promise<Outcome[]> {
  const fetcher = await mf.getWorker(worker);
  const res = await fetcher.fetch('http://app.test/run', {
    method: 'POST',
    body: JSON.stringify(plan),
  });
  if (!res.ok) throw new Error(`${worker}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Outcome[];
}

/** Requests each object got, by path (the counters' /debug). */
async function tallies(names: string[]) {
  const ns = await mf.getDurableObjectNamespace('ESPER_COUNTERS', 'counters');
  return Promise.all(
    names.map(async (name) => {
      const res = await ns.get(ns.idFromName(name)).fetch('https://debug/debug');
      return (await res.json()) as Record<string, number>;
    }),
  );
}

describe('Durable Objects consistency', () => {
  beforeAll(async () => {
    mf = await startWorkerd();
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it('3 Worker instances × 2,000 requests on one namespace, 0 overshoot', async ({ task }) => {
    const plans = traffic(WORKERS, PER_WORKER);
    const started = performance.now();
    const results = await Promise.all(plans.map((plan, i) => drive(`app-${i}`, plan)));
    const seconds = (performance.now() - started) / 1000;
    const outcomes = results.flat();
    expect(outcomes).toHaveLength(WORKERS * PER_WORKER);
    const exact = await checkExact(outcomes);

    // Each decision's entity counts are those of the moment its tenant total was counted:
    // walking the decisions in total order, every key's count goes up by one each time.
    const totalKey = `${TENANT_ID}|*`;
    const total = (o: Outcome) => o.counts![o.windows!.indexOf(totalKey)]!;
    const seen = new Map<string, number>();
    let misordered = 0;
    for (const o of [...outcomes].sort((a, b) => total(a) - total(b))) {
      o.windows!.forEach((key, i) => {
        const n = (seen.get(key) ?? 0) + 1;
        seen.set(key, n);
        if (o.counts![i] !== n) misordered++;
      });
    }

    const [tenant, ...shards] = await tallies([
      `${TENANT_ID}/t`,
      ...Array.from({ length: SHARDS }, (_, i) => `${TENANT_ID}/e/${i}`),
    ]);
    const shardRequests = shards.reduce((n, t) => n + (t['/apply'] ?? 0), 0);
    const ms = outcomes.map((o) => o.ms);
    const row = {
      store: 'Durable Objects (workerd via miniflare)',
      workers: WORKERS,
      requests: outcomes.length,
      ...exact,
      misordered,
      // Timed in the Worker (workerd's clock moves with I/O, so whole milliseconds).
      p50ms: Number(percentile(ms, 50).toFixed(2)),
      p99ms: Number(percentile(ms, 99).toFixed(2)),
      perSecond: Math.round(outcomes.length / seconds),
      tenantObjectRequests: tenant!['/decide'] ?? 0,
      shardRequests,
      shardsUsed: shards.filter((t) => (t['/apply'] ?? 0) > 0).length,
    };
    task.meta.durableObjects = row;
    console.log(
      `\nDurable Objects: 3 Worker instances × 2,000 requests on one namespace\n${table(row)}`,
    );
    expect(exact.overshoot).toBe(0);
    expect(exact.undershoot).toBe(0);
    expect(misordered).toBe(0);
    // Both policies decided some requests, so both were exercised.
    expect(row.blockedCount).toBeGreaterThan(0);
    expect(row.blockedShare).toBeGreaterThan(0);
    // One request per decision reaches the tenant object; the entity keys are spread over the
    // shards, whose requests carry one or more decisions each (two keys per decision at most).
    expect(row.tenantObjectRequests).toBe(outcomes.length);
    expect(row.shardsUsed).toBe(SHARDS);
    expect(shardRequests).toBeLessThanOrEqual(2 * outcomes.length);
  }, 300_000);
});

function table(row: Record<string, string | number>): string {
  const cols = Object.keys(row);
  const widths = cols.map((c) => Math.max(c.length, String(row[c]).length));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    line(cols.map((c) => String(row[c]))),
  ].join('\n');
}

declare module 'vitest' {
  interface TaskMeta {
    durableObjects?: Record<string, string | number>;
  }
}
