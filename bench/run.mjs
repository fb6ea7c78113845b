// `pnpm bench`: runs every bench script (each its own file, most in fresh processes), prints
// one table and writes bench/results.json (`--quick`: a short run for CI, written to
// bench/results.quick.json). A full run also refreshes the table in BENCHMARKS.md.
// Usage: node bench/run.mjs [--quick]   (after `pnpm build`)
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { here, machine, QUICK, runNode } from './lib.mjs';

const args = QUICK ? ['--quick'] : [];
const started = Date.now();
const step = async (name, script, extra = {}) => {
  const t = Date.now();
  process.stderr.write(`bench: ${name}…`);
  const r = await runNode(here(script), args, extra);
  process.stderr.write(` ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  return r;
};

const loadBefore = machine().load;
const results = {};
Object.assign(results, await step('bundle sizes', './bundle.mjs'));
Object.assign(results, await step('import time', './import.mjs'));
Object.assign(results, await step('first request', './first-request.mjs'));
Object.assign(results, await step('latency', './latency.mjs'));
Object.assign(results, await step('throughput', './throughput.mjs'));
Object.assign(results, await step('cache hit', './cache.mjs'));
Object.assign(results, await step('hybrid', './hybrid.mjs', { env: { BENCH_QUIET: '1' } }));
Object.assign(
  results,
  await step('capture proxy', './capture.mjs', { env: { BENCH_CAPTURE_NO_WRITE: '1' } }),
);
Object.assign(
  results,
  await step('esper run', './daemon.mjs', { env: { BENCH_DAEMON_NO_WRITE: '1' } }),
);
Object.assign(results, await step('timeout bound', './timeout.mjs'));
{
  // bench/policy is its own script (it writes its JSON to a file); called as is.
  const out = here(`./.policy-${process.pid}.json`);
  process.stderr.write('bench: policy engine…');
  const t = Date.now();
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [here('./policy/policy.bench.mjs'), out], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...(QUICK ? { BENCH_ROUNDS: '3', BENCH_PER_ROUND: '10000' } : {}) },
  });
  if (r.status !== 0) throw new Error(`policy bench exited ${r.status}`);
  results.policy = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out);
  process.stderr.write(` ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
}
Object.assign(
  results,
  await step('shared store', './store.mjs', { env: { BENCH_STORE_NO_WRITE: '1' } }),
);
Object.assign(results, await step('peers', './peers.mjs'));

results.machine = {
  nproc: os.availableParallelism(),
  cpu: os.cpus()[0]?.model,
  node: process.version,
  load_before: loadBefore,
  load_after: machine().load,
  quick: QUICK,
  date: new Date().toISOString(),
  duration_s: Math.round((Date.now() - started) / 1000),
};

// ---- the table -------------------------------------------------------------------------
const r = results;
const L = r.latency;
const kb = (b) => `${b.toLocaleString('en-US')} B`;
const met = (ok) => (ok ? 'met' : '**missed**');
const rows = [];
const row = (what, value, target = '', status = '') => rows.push([what, value, target, status]);
for (const p of ['cloudflare', 'vercel', 'hono', 'core']) {
  const b = r.bundle[p];
  const budgeted = p !== 'core';
  row(
    `edge bundle @esper/${p} (min / gzip)`,
    `${kb(b.min)} / ${kb(b.gzip)}`,
    budgeted ? '≤ 4,096 B gzip' : '',
    budgeted ? met(b.gzip <= 4096) : '',
  );
}
for (const [p, ms] of Object.entries(r.import_ms))
  row(`import @esper/${p}`, `${ms} ms`, '≤ 10 ms', met(ms <= 10));
const F = r.first_request_ms;
for (const [p, ratio] of Object.entries(r.first_request_ratio)) {
  const floor = p === 'core_node' ? 'floor_undici' : 'floor';
  row(
    `first request ${p} vs ${floor}`,
    `${F[p]} ms vs ${F[floor]} ms (${ratio}×)`,
    '≤ 1.2×',
    met(ratio <= 1.2),
  );
}
for (const pair of ['fetch', 'undici']) {
  const f = L[`floor_${pair}`];
  const s = L[`sdk_${pair}`];
  row(
    `latency ${pair} p50: sdk vs floor`,
    `${s.p50_us} µs vs ${f.p50_us} µs (${L[`ratio_${pair}_p50`]}×)`,
    '≤ 1.1×',
    met(L[`ratio_${pair}_p50`] <= 1.1),
  );
  row(
    `latency ${pair} p99: sdk vs floor`,
    `${s.p99_us} µs vs ${f.p99_us} µs (${L[`ratio_${pair}_p99`]}×)`,
    '≤ 1.1×',
    met(L[`ratio_${pair}_p99`] <= 1.1),
  );
}
// The SDK's Node path signs with node:crypto; a floor doing the same shows what is left.
if (L.floor_undici_node) {
  const f = L.floor_undici_node;
  row(
    'latency undici p50 / p99: sdk vs node:crypto floor',
    `${L.sdk_undici.p50_us} / ${L.sdk_undici.p99_us} µs vs ${f.p50_us} / ${f.p99_us} µs (${L.ratio_undici_node_p50}× / ${L.ratio_undici_node_p99}×)`,
  );
}
const T = r.throughput;
row(
  'throughput express: sdk vs floor',
  `${T.sdk_rps} vs ${T.floor_rps} req/s (${T.ratio}×)`,
  '≥ 0.95×',
  met(T.ratio >= 0.95),
);
if (T.floor_node_rps)
  row(
    'throughput express: sdk vs node:crypto floor',
    `${T.sdk_rps} vs ${T.floor_node_rps} req/s (${T.ratio_node}×)`,
  );
row(
  'cache hit p50',
  `${r.cache_hit_p50_us} µs (p99 ${r.cache_hit_p99_us} µs)`,
  '≤ 5 µs',
  met(r.cache_hit_p50_us <= 5),
);
{
  // Hybrid mode (issue 13): local decisions next to the cloud (undici) figures of this run.
  const H = r.hybrid;
  const C = L.sdk_undici;
  row(
    'hybrid protect() p50 / p99 (quickstart, memory store) vs cloud undici',
    `${H.protect_p50_us} / ${H.protect_p99_us} µs vs ${C.p50_us} / ${C.p99_us} µs`,
    '≤ 25 / ≤ 150 µs',
    met(H.protect_p50_us <= 25 && H.protect_p99_us <= 150),
  );
  const D = H.calls_during_protect;
  row(
    'hybrid runtime calls per decision (counted at origin)',
    `${H.calls_per_decision} over ${H.protect_decisions.toLocaleString('en-US')} decisions; besides: ${D.snapshot_200 + D.snapshot_304} snapshot polls, ${D.event_batches} event batches (${D.events_counted_at_origin.toLocaleString('en-US')} events counted)`,
    '0',
    met(H.calls_per_decision === 0),
  );
  row(
    'edge bundle @esper/cloudflare + @esper/hybrid (min / gzip)',
    `${kb(H.bundle_min)} / ${kb(H.bundle_gzip)} (cloud only: ${kb(r.bundle.cloudflare.gzip)} gzip)`,
    '≤ 20,480 B gzip',
    met(H.bundle_gzip <= 20_480),
  );
  row(
    'hybrid sync lag: origin change → first local decision (max / median)',
    `${H.sync_lag_ms} / ${H.sync_lag_median_ms} ms over ${H.sync_lag_trials_ms.length} changes, poll ${H.sync_poll_interval_ms} ms`,
    '≤ poll + 1,000 ms',
    met(H.sync_lag_ms <= H.sync_poll_interval_ms + 1000),
  );
  const U = H.reporter_cpu_us_per_decision;
  row(
    `hybrid event reporter CPU at ${H.reporter_rate.toLocaleString('en-US')} decisions/s: on vs off`,
    `${U.on} vs ${U.off} µs CPU per decision (${H.reporter_cpu_ratio}×)`,
    '≤ 1.05×',
    met(H.reporter_cpu_ratio <= 1.05),
  );
  const S = H.scale_eval_us;
  row(
    'policy evaluation, 1,000 + 1,000 vs 10 + 10 rules/policies (no match)',
    `${S.n1000} µs vs ${S.n10} µs (${H.scale_ratio_1000}×; 100 + 100: ${S.n100} µs)`,
    '≤ 2×',
    met(H.scale_ratio_1000 <= 2),
  );
}
if (r.capture) {
  const C = r.capture;
  row(
    'capture --enforce vs plain proxy (http-proxy-3): added latency p50',
    `${C.added_p50_us.capture} µs vs ${C.added_p50_us.plain} µs (${C.ratio_p50}×)`,
    '≤ 1.3×',
    met(C.ratio_p50 <= 1.3),
  );
  row(
    'capture --enforce vs plain proxy: requests/s',
    `${C.rps.capture.toLocaleString('en-US')} vs ${C.rps.plain.toLocaleString('en-US')} (${C.rps_ratio}×)`,
    '≥ 0.8×',
    met(C.rps_ratio >= 0.8),
  );
}
const O = r.timeout;
for (const k of ['fetch', 'undici'])
  row(
    `timeout ${O.concurrent}× hung, ${O.timeout_ms} ms, ${k}: p99 / busy sockets`,
    `${O[k].p99_ms} ms / ${O[k].busy_sockets} (idle open ${O[k].open_sockets}); plain AbortSignal.timeout floor: p99 ${O[`floor_${k}`].p99_ms} ms`,
    '≤ 310 ms / 0',
    met(O[k].p99_ms <= 310 && O[k].busy_sockets === 0),
  );
const P = r.policy;
row(
  'policy engine vs json-logic-js',
  `${P.ops_per_s.toLocaleString('en-US')} vs ${P.json_logic_ops_per_s.toLocaleString('en-US')} ops/s (${P.ratio}×)`,
);
for (const [n, p] of Object.entries(r.peers))
  row(
    `peer ${n}${p.version ? ` ${p.version}` : ''}`,
    p.error ??
      `${kb(p.min)} / ${kb(p.gzip)}${p.wasm ? ` + WASM ${kb(p.wasm)} (${kb(p.wasm_gzip)} gzip)` : ''}; import ${p.import_ms ?? p.import_error} ms`,
  );
const M = r.machine;
const table = [
  `Machine: ${M.nproc} CPUs (${M.cpu}), Node ${M.node}, load average ${M.load_before} before / ${M.load_after} after; ${M.quick ? 'quick run' : 'full run'} of ${M.duration_s} s on ${M.date.slice(0, 10)}.`,
  '',
  '| measure | result | target | |',
  '| --- | --- | --- | --- |',
  ...rows.map((c) => `| ${c.join(' | ')} |`),
].join('\n');
console.log(table);

const file = here(QUICK ? './results.quick.json' : './results.json');
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${file}`);
if (!QUICK) {
  const md = here('../BENCHMARKS.md');
  try {
    const text = readFileSync(md, 'utf8');
    const a = text.indexOf('<!-- results:start -->');
    const b = text.indexOf('<!-- results:end -->');
    if (a !== -1 && b > a) {
      writeFileSync(
        md,
        `${text.slice(0, a)}<!-- results:start -->\n\n${table}\n\n${text.slice(b)}`,
      );
      // The table is written unpadded; Biome (the repo's Markdown formatter) aligns it.
      const { spawnSync } = await import('node:child_process');
      spawnSync('npx', ['biome', 'format', '--write', md], { stdio: 'ignore' });
      console.log(`updated ${md}`);
    }
  } catch {}
}
