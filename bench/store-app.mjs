// The app bench/store.mjs measures, bundled by it from the packages' sources: createEsper with a
// hybrid decider whose store is @esper/redis on the bench's redis-server, and a raw node-redis
// client sending the same EVALSHA a decision sends. Driven over IPC:
// - { latency: { rounds, perRound } } → p50/p99 (µs) of protect() and of the raw EVALSHA,
//   alternating in rounds, one call per macrotask;
// - { throughput: { ms, concurrency } } → decisions completed in `ms` with `concurrency` in flight.
import { createEsper } from '@esper/core';
import { createHybrid, guardStore } from '@esper/hybrid';
import { createRedisStore, SCRIPT, scriptSha } from '@esper/redis';
import { createClient } from '@redis/client';

const KEY = { apiKey: 'bench_key', secret: 'bench_secret_0123456789abcdef0123' };
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const url = process.env.REDIS_URL;
const tag = process.env.BENCH_TAG ?? 'p0';

const config = {
  tenant_id: 'bench',
  entity_definitions: [{ entity_definition_id: 'ent_ua', name: 'UA', fields: ['user_agent'] }],
  mitigations: [{ mitigation_id: 'm', name: 'Block', mode: 'Block' }],
  policies: [
    {
      policy_id: 'p_count',
      name: 'more than 5 in 1 minute',
      enabled: true,
      mitigation_id: 'm',
      entity_definition_id: 'sys_client_ip',
      window: { window_seconds: 60, threshold: { type: 'count', operator: 'Gt', value: 5 } },
    },
    {
      policy_id: 'p_share',
      name: 'more than 20 % of tenant traffic',
      enabled: true,
      mitigation_id: 'm',
      entity_definition_id: 'ent_ua',
      window: {
        window_seconds: 60,
        threshold: { type: 'share', operator: 'Gt', percent: 20, min_total: 100 },
      },
    },
  ],
};

const store = createRedisStore({ url });
await store.ready();
const hybrid = createHybrid({
  ...KEY,
  apiBase: 'http://127.0.0.1:9',
  bootstrap: {
    version: 'bench-v1',
    tenant_id: 'bench',
    generated_at: '2026-11-30T00:00:00.000Z',
    config,
    source: { source_id: null, trust_level: null },
  },
  store,
  // A bench measures decisions: a cold or loaded moment must not turn one into a fallback.
  storeTimeoutMs: 5_000,
  reportEvents: false,
  pollIntervalMs: 86_400_000,
  logger: silent,
});
const esper = createEsper({
  ...KEY,
  env: {},
  decider: hybrid.decider,
  timeoutMs: 1000,
  logger: silent,
  fetch: async () => {
    throw new Error('no runtime calls in hybrid mode');
  },
});
// The same app on the default in-memory store: what protect() costs without the round trip.
const memoryHybrid = createHybrid({
  ...KEY,
  apiBase: 'http://127.0.0.1:9',
  bootstrap: {
    version: 'bench-v1',
    tenant_id: 'bench',
    generated_at: '2026-11-30T00:00:00.000Z',
    config,
    source: { source_id: null, trust_level: null },
  },
  reportEvents: false,
  pollIntervalMs: 86_400_000,
  logger: silent,
});
const memoryEsper = createEsper({
  ...KEY,
  env: {},
  decider: memoryHybrid.decider,
  timeoutMs: 1000,
  logger: silent,
});
const guarded = guardStore(store, { timeoutMs: 1000 });
const raw = createClient({ url });
raw.on('error', () => {});
await raw.connect();
const sha = await scriptSha();
await raw.scriptLoad(SCRIPT);

let n = 0;
const ipOf = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
// Each call is prepared (its Request built) outside the timed part: the figure is protect().
function prepareProtect() {
  const i = n++;
  const request = new Request('http://app.test/login', {
    headers: { 'user-agent': `ua/${i % 7}` },
  });
  const facts = { remoteAddress: ipOf(i % 50_000) };
  return async () => {
    const d = await esper.protect(request, facts);
    if (d.source !== 'local') throw new Error(`decision fell back: ${d.reason} ${d.message}`);
  };
}
function prepareMemory() {
  const i = n++;
  const request = new Request('http://app.test/login', {
    headers: { 'user-agent': `ua/${i % 7}` },
  });
  const facts = { remoteAddress: ipOf(i % 50_000) };
  return () => memoryEsper.protect(request, facts);
}
/** The store's own call for one decision, guarded as hybrid guards it. */
function prepareRecord() {
  const i = n++;
  const batch = {
    tenantId: 'bench',
    windows: [
      { key: `bench|sys_client_ip|${tag}-r-${ipOf(i % 50_000)}`, windowSeconds: 60 },
      { key: `bench|ent_ua|ua/${i % 7}`, windowSeconds: 60 },
      { key: 'bench|*', windowSeconds: 60 },
    ],
    state: [],
  };
  return () => guarded.record(batch, Date.now());
}
/** What the store sends for the same decision: 3 windows, no state. */
function prepareRaw() {
  const i = n++;
  const options = {
    keys: [
      `esper:{bench}:w:60:sys_client_ip|${tag}-${ipOf(i % 50_000)}`,
      `esper:{bench}:w:60:ent_ua|ua/${i % 7}`,
      'esper:{bench}:w:60:*',
    ],
    arguments: ['r', String(Date.now()), '3', '0', ...Array(3).fill(['60000', '60', '1']).flat()],
  };
  return () => raw.evalSha(sha, options);
}

const yieldLoop = () => new Promise((r) => setImmediate(r));
async function timed(prepare, count, into) {
  for (let i = 0; i < count; i++) {
    await yieldLoop();
    const call = prepare();
    const t = performance.now();
    await call();
    into.push((performance.now() - t) * 1000);
  }
}
const pct = (xs, p) => {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

process.on('unhandledRejection', (err) => {
  console.error('store app:', err);
  process.exit(1);
});
process.on('message', async (msg) => {
  if (msg.latency) {
    const { rounds, perRound } = msg.latency;
    const p = [];
    const r = [];
    const m = [];
    const g = [];
    for (const prepare of [prepareProtect, prepareRaw, prepareMemory, prepareRecord]) {
      await timed(prepare, 500, []);
    }
    for (let k = 0; k < rounds; k++) {
      await timed(prepareProtect, perRound, p);
      await timed(prepareRaw, perRound, r);
      await timed(prepareMemory, perRound, m);
      await timed(prepareRecord, perRound, g);
    }
    process.send({
      protect_p50_us: pct(p, 50),
      protect_p99_us: pct(p, 99),
      raw_p50_us: pct(r, 50),
      raw_p99_us: pct(r, 99),
      memory_p50_us: pct(m, 50),
      memory_p99_us: pct(m, 99),
      record_p50_us: pct(g, 50),
      record_p99_us: pct(g, 99),
      samples: p.length,
    });
  } else if (msg.count) {
    for (let i = 0; i < msg.count; i++) await prepareProtect()();
    process.send({ done: msg.count });
  } else if (msg.throughput) {
    const { ms, concurrency } = msg.throughput;
    const end = performance.now() + ms;
    let done = 0;
    const lane = async () => {
      while (performance.now() < end) {
        await prepareProtect()();
        done++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    process.send({ decisions: done, ms });
  } else if (msg.exit) {
    await hybrid.close();
    await memoryHybrid.close();
    await store.close();
    raw.destroy();
    process.exit(0);
  }
});
process.send({ ready: true });
