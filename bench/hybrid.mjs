// Hybrid mode (@esper/hybrid deciding for @esper/core), issue 13's figures, keys under `hybrid`:
// - protect_p50_us / protect_p99_us: protect() with a hybrid decider (in-memory store) on the
//   quickstart tenant, synced from @esper/runtime in another process; varied clients, paths and
//   actions, one request per macrotask; every decision checked `source: 'local'`.
// - calls_per_decision: requests the origin recorded during that run, other than snapshot polls
//   and event batches (counted and reported apart), per decision.
// - bundle_gzip: an edge entry wiring @esper/cloudflare's withEsper with createHybrid's decider
//   (bundle_source_min_by_file: the same entry from the sources, minified bytes per policy and
//   hybrid source file).
// - sync_lag_ms: a rule created (then deleted) through origin's definitions API, timed to the
//   first local decision that reflects it, polling every pollIntervalMs.
// - reporter_cpu_ratio: process CPU at 5,000 decisions/s with event reporting on / off: the
//   median of 5 back-to-back pairs' ratios (reporter_cpu_us_per_decision: each side's median).
// - scale_ratio_1000: one evaluation, 1,000 + 1,000 vs 10 + 10 rules and policies (+ profile).
// Usage: node bench/hybrid.mjs [--quick]   (after `pnpm build`)
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep, setImmediate as yieldLoop } from 'node:timers/promises';
import { bundleSize } from './bundle.mjs';
import { checkLocal, hybridClient, requestMix } from './hybrid-load.mjs';
import { emit, here, median, percentile, QUICK, round, runNode } from './lib.mjs';

const runtimeDist = new URL('../packages/runtime/dist/index.js', import.meta.url);
const { QUICKSTART_TENANT } = await import(runtimeDist.href);
const [{ apiKey, secret }] = QUICKSTART_TENANT.api_keys;
const ADMIN_TOKEN = 'bench_admin_token_0123456789abcdef';
const SNAPSHOT = '/api/v1/hybrid/snapshot';
const EVENTS = '/api/v1/hybrid/events';
const POLL_MS = 1000;
// Progress on stderr when run alone; run.mjs sets BENCH_QUIET (its own line says the step).
const log = (msg) => process.env.BENCH_QUIET || process.stderr.write(`  hybrid: ${msg}\n`);
const result = {};

// ---- bundle: @esper/cloudflare + @esper/hybrid ----------------------------------------------
{
  const dir = mkdtempSync(path.join(os.tmpdir(), 'esper-hybrid-bundle-'));
  const entry = path.join(dir, 'worker.mjs');
  // What a hybrid Worker's entry is: one hybrid per isolate, its decider handed to withEsper.
  writeFileSync(
    entry,
    `import { withEsper } from '@esper/cloudflare';
import { createHybrid } from '@esper/hybrid';
let hybrid;
export default withEsper(
  { fetch: (request) => new Response('hello ' + request.headers.get('x-esper-decision')) },
  (env) => {
    hybrid ??= createHybrid({ apiKey: env.ESPER_API_KEY, secret: env.ESPER_API_SECRET });
    return { decider: hybrid.decider };
  },
);
`,
  );
  const b = await bundleSize(entry, {
    alias: {
      '@esper/cloudflare': here('../packages/cloudflare/dist/index.js'),
      '@esper/hybrid': here('../packages/hybrid/dist/index.js'),
    },
  });
  // The same entry bundled from the TypeScript sources: bytes per policy / hybrid source file.
  const src = (pkg, file = 'index') => here(`../packages/${pkg}/src/${file}.ts`);
  const bySource = await bundleSize(entry, {
    alias: {
      '@esper/cloudflare': src('cloudflare'),
      '@esper/hybrid': src('hybrid'),
      '@esper/policy': src('policy'),
      '@esper/core/adapter': src('core', 'adapter'),
      '@esper/core': src('core'),
    },
  });
  rmSync(dir, { recursive: true, force: true });
  if (b.nodeImports.length) throw new Error(`the edge bundle imports ${b.nodeImports}`);
  const byPackage = {};
  for (const [file, bytes] of Object.entries(b.files)) {
    const pkg = file.match(/packages\/([^/]+)\//)?.[1] ?? file.split('/')[0];
    byPackage[pkg] = (byPackage[pkg] ?? 0) + bytes;
  }
  result.bundle_min = b.min;
  result.bundle_gzip = b.gzip;
  result.bundle_min_by_package = byPackage;
  result.bundle_source_min_by_file = Object.fromEntries(
    Object.entries(bySource.files)
      .filter(([file]) => /packages\/(policy|hybrid)\/src\//.test(file))
      .map(([file, bytes]) => [file.replace(/^.*packages\//, ''), bytes]),
  );
  log(`bundle ${b.min} B min / ${b.gzip} B gzip`);
}

// ---- origin: @esper/runtime with the quickstart tenant, in its own process --------------------
const origin = await (async () => {
  const child = fork(here('./hybrid-origin.mjs'), [JSON.stringify({ adminToken: ADMIN_TOKEN })], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let seq = 0;
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`origin exited ${code}`)));
    child.on('message', (m) => {
      if (m.type === 'ready') resolve(m.url);
      else if (m.type === 'reply') {
        pending.get(m.id)?.(m.value);
        pending.delete(m.id);
      }
    });
  });
  child.removeAllListeners('exit');
  const ask = (type, extra = {}) =>
    new Promise((resolve) => {
      const id = ++seq;
      pending.set(id, resolve);
      child.send({ type, id, ...extra });
    });
  return {
    url,
    requests: (from) => ask('requests', { from }),
    results: () => ask('results'),
    admin: (method, p, body) =>
      fetch(`${url}${p}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body && JSON.stringify(body),
      }),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
})();

/** Origin's recorded requests since `from`, by kind. */
async function originCalls(from) {
  const { requests } = await origin.requests(from);
  const c = { snapshot_200: 0, snapshot_304: 0, event_batches: 0, mitigation: 0, other: 0 };
  for (const [, method, p, status] of requests) {
    if (method === 'GET' && p === SNAPSHOT) c[status === 304 ? 'snapshot_304' : 'snapshot_200']++;
    else if (method === 'POST' && p === EVENTS) c.event_batches++;
    else if (p === '/api/v1/runtime/mitigation') c.mitigation++;
    else c.other++;
  }
  return { ...c, total: requests.length };
}
const nextIndex = async () => {
  const { totals } = await origin.requests(1e12);
  return Object.values(totals).reduce((a, b) => a + b, 0);
};

const { hybrid, esper } = hybridClient({
  url: origin.url,
  apiKey,
  secret,
  pollIntervalMs: POLL_MS,
});
await hybrid.ready();

// ---- protect() in hybrid ---------------------------------------------------------------------
{
  const N = QUICK ? 20_000 : 200_000;
  const pool = requestMix(4096);
  const hybridBefore = (await origin.results()).by_operation_mode.hybrid.requests;
  const from = await nextIndex();
  const times = new Float64Array(N);
  const { sent: sentBefore, dropped: droppedBefore } = hybrid.status().events;
  const actions = {};
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    // One request per macrotask, as a server sees them: the reporter's sends and the snapshot
    // polls get their turn between decisions, never inside a timed one.
    await yieldLoop();
    const t = performance.now();
    const d = await esper.protect(pool[i % pool.length]);
    times[i] = (performance.now() - t) * 1000;
    checkLocal(d);
    const k = d.mode === 'monitor' ? `monitor_${d.action}` : d.action;
    actions[k] = (actions[k] ?? 0) + 1;
  }
  const seconds = (performance.now() - started) / 1000;
  // Let the reporter send what it holds, then read what origin saw.
  const deadline = Date.now() + 10_000;
  // Until every event is sent or dropped: none queued, none in a POST still in flight.
  const settled = ({ sent, dropped }) => sent + dropped >= N + sentBefore + droppedBefore;
  while (!settled(hybrid.status().events) && Date.now() < deadline) await sleep(50);
  await sleep(200);
  const calls = await originCalls(from);
  const events = hybrid.status().events;
  const hybridAfter = (await origin.results()).by_operation_mode.hybrid.requests;
  const warm = times.subarray(Math.floor(N / 10));
  Object.assign(result, {
    protect_p50_us: round(percentile(warm, 50), 2),
    protect_p99_us: round(percentile(warm, 99), 2),
    protect_decisions: N,
    protect_actions: actions,
    calls_per_decision: (calls.mitigation + calls.other) / N,
    calls_during_protect: {
      ...calls,
      seconds: round(seconds, 1),
      events_counted_at_origin: hybridAfter - hybridBefore,
      events_dropped: events.dropped - droppedBefore,
    },
    cache_scope:
      'quickstart answers carry ttl_seconds 0, so core never caches them; every timed decision was checked source "local"',
  });
  log(
    `protect p50 ${result.protect_p50_us} µs p99 ${result.protect_p99_us} µs; origin calls ${JSON.stringify(calls)}; events at origin ${hybridAfter - hybridBefore}/${N}`,
  );
}

// ---- sync lag: a rule created / deleted at origin, seen by local decisions ----------------------
{
  const TRIALS = QUICK ? 2 : 6;
  const RULE = 'rule_bench_sync';
  const rule = {
    rule_id: RULE,
    name: 'bench: block /sync-probe',
    priority: 1000,
    expression: { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/sync-probe' } },
    outcome: 'Block',
  };
  let k = 0;
  const probe = () =>
    new Request('https://app.example.com/sync-probe', {
      headers: { 'user-agent': 'Mozilla/5.0 probe', 'x-real-ip': `192.0.2.${(k++ % 250) + 1}` },
    });
  const lags = [];
  for (let t = 0; t < TRIALS; t++) {
    const create = t % 2 === 0;
    // Land the change at a random point of the poll cycle.
    await sleep(Math.random() * POLL_MS);
    const t0 = performance.now();
    const res = create
      ? await origin.admin('POST', '/tenants/quickstart/rules', rule)
      : await origin.admin('DELETE', `/tenants/quickstart/rules/${RULE}`);
    if (res.status !== (create ? 201 : 204))
      throw new Error(`definitions API: ${res.status} ${await res.text()}`);
    for (;;) {
      const d = await esper.protect(probe());
      checkLocal(d);
      if ((d.policyId === RULE) === create) break;
      if (performance.now() - t0 > 10 * POLL_MS) throw new Error('the change never arrived');
      await sleep(1);
    }
    lags.push(performance.now() - t0);
  }
  Object.assign(result, {
    sync_lag_ms: round(Math.max(...lags), 0),
    sync_lag_median_ms: round(median(lags), 0),
    sync_lag_trials_ms: lags.map((x) => round(x, 0)),
    sync_poll_interval_ms: POLL_MS,
  });
  log(`sync lag ${result.sync_lag_trials_ms.join(', ')} ms (poll ${POLL_MS} ms)`);
}
await hybrid.close();
await esper.close();

// ---- the reporter's CPU at 5,000 decisions/s ------------------------------------------------------
{
  // Pairs of runs back to back (on, off or off, on): each pair's ratio sees the same machine
  // load, which on a shared machine drifts far more than the reporter costs; their median.
  const PAIRS = QUICK ? 1 : 5;
  const common = {
    url: origin.url,
    apiKey,
    secret,
    rate: 5000,
    seconds: QUICK ? 2 : 4,
    warmupS: 1,
  };
  const runs = { on: [], off: [] };
  for (let i = 0; i < PAIRS; i++) {
    // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
    for (const report of i % 2 ? [true, false] : [false, true]) {
      const r = await runNode(here('./hybrid-load.mjs'), [JSON.stringify({ ...common, report })]);
      if (report && r.events.dropped > 0) throw new Error(`reporter dropped ${r.events.dropped}`);
      runs[report ? 'on' : 'off'].push(r);
    }
  }
  const cpu = (xs) => median(xs.map((r) => r.cpu_us_per_decision));
  const on = cpu(runs.on);
  const off = cpu(runs.off);
  const ratios = runs.on.map((r, i) => r.cpu_us_per_decision / runs.off[i].cpu_us_per_decision);
  Object.assign(result, {
    reporter_cpu_ratio: round(median(ratios), 3),
    reporter_pair_ratios: ratios.map((x) => round(x, 3)),
    reporter_cpu_us_per_decision: { on: round(on, 2), off: round(off, 2) },
    reporter_rate: median([...runs.on, ...runs.off].map((r) => r.rate)),
    // User / system CPU ms of each run: loopback sends are charged to the sender's system time.
    reporter_cpu_split_ms: {
      on: runs.on.map((r) => [r.cpu_user_ms, r.cpu_system_ms]),
      off: runs.off.map((r) => [r.cpu_user_ms, r.cpu_system_ms]),
    },
    reporter_runs: {
      on: runs.on.map((r) => r.cpu_us_per_decision),
      off: runs.off.map((r) => r.cpu_us_per_decision),
    },
  });
  log(
    `reporter CPU on/off ${on} / ${off} µs per decision; pairs ${result.reporter_pair_ratios.join(', ')} (${result.reporter_cpu_ratio}×)`,
  );
}
await origin.close();

// ---- scale: 1,000 + 1,000 vs 10 + 10 --------------------------------------------------------------
{
  const args = QUICK ? ['--quick'] : [];
  const s = await runNode(here('./hybrid-scale.mjs'), args);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'esper-hybrid-prof-'));
  await runNode(here('./hybrid-scale.mjs'), [...args, '--profile'], {
    execArgv: ['--cpu-prof', '--cpu-prof-dir', dir],
  });
  const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const top = execFileSync(
    process.execPath,
    [here('./profile-summary.mjs'), path.join(dir, prof), '8'],
    {
      encoding: 'utf8',
    },
  )
    .trim()
    .split('\n')
    .map((l) => l.trim());
  rmSync(dir, { recursive: true, force: true });
  Object.assign(result, {
    scale_ratio_1000: s.ratio_1000,
    scale_ratio_100: s.ratio_100,
    scale_eval_us: s.eval_us,
    scale_profile_top: top,
  });
  log(`scale ${JSON.stringify(s.eval_us)} (1000: ${s.ratio_1000}×)`);
}

emit({ hybrid: result });
