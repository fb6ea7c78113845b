// `esper run` (the hybrid daemon), keys under `daemon`:
// - ratio_p50 / ratio_p99: the same adapter code (@esper/core's protect(), the undici transport
//   and node:crypto signer of @esper/core/node, as the Node adapters use it; and global fetch)
//   pointed at `esper run` on loopback vs at the mock runtime answering at once (bench/mock.mjs).
//   The load shape of bench/latency.mjs: one request at a time, the same request, a warm-up,
//   then blocks of 1,000 interleaved, alternating which goes first. Target ≤ 1.1×. The headline
//   ratio is the undici pair's (what express, hono and lambda send with).
// - rss_mb_1m_entities: the daemon's RSS (/proc/PID/status) after 1,000,000 decisions for
//   1,000,000 distinct client IPs, sent through its real HTTP endpoint (signed protocol v1
//   calls, 64 in flight over a keep-alive pool), sampled along the way to show it levels off.
// The daemon is the real CLI (`packages/runtime/bin/esper.js`: init, sync, run) in its own
// process, with an origin stand-in (`startRuntime`, quickstart tenant) in another, taking the
// reported events. Writes bench/results.json's `daemon` key and the BENCHMARKS.md section
// between `<!-- daemon:start -->` and `<!-- daemon:end -->` when run alone (run.mjs sets
// BENCH_DAEMON_NO_WRITE and merges the RESULT line itself).
// `--profile`: the daemon runs under --cpu-prof; the top self-time functions are printed.
// Usage: node bench/daemon.mjs [--quick] [--profile] [--only=latency|memory]   (after `pnpm build`)
//   BENCH_LATENCY_N, BENCH_DAEMON_ENTITIES override the sample and entity counts.
import { execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import * as nodeCrypto from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEsper } from '@esper/core';
import { createNodeSigner, createUndiciTransport } from '@esper/core/node';
import * as undici from 'undici';
import { createFloor } from './floor.mjs';
import {
  emit,
  here,
  KEY,
  machine,
  percentile,
  profileByPlace,
  QUICK,
  round,
  startMockProcess,
  writeBenchmarksSection,
  writeResultKey,
} from './lib.mjs';

/** BENCH_DAEMON_HEAP_MB: run the daemon with --max-old-space-size (how far its heap can shrink). */
const HEAP_MB = Number(process.env.BENCH_DAEMON_HEAP_MB ?? 0);
const runtimeDist = new URL('../packages/runtime/dist/index.js', import.meta.url).href;
const ESPER_BIN = here('../packages/runtime/bin/esper.js');

// ---- the origin child ------------------------------------------------------------------------
if (process.argv[2] === '--origin') {
  const rt = await import(runtimeDist);
  const origin = await rt.startRuntime({ tenants: [rt.QUICKSTART_TENANT] });
  process.send({ url: origin.url, key: rt.QUICKSTART_TENANT.api_keys[0] });
  process.on('SIGTERM', () => origin.close().then(() => process.exit(0)));
}

function startOrigin() {
  const child = fork(here('./daemon.mjs'), ['--origin'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`origin exited ${c}`)));
    child.once('message', ({ url, key }) => {
      child.removeAllListeners('exit');
      resolve({ url, key, stop: () => child.kill('SIGTERM') });
    });
  });
}

/** `esper init` + `esper sync` in a fresh ESPER_HOME, then `esper run` on a free port. */
async function startDaemon(originUrl, key, profileDir) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'esper-bench-home-'));
  const env = { ...process.env, ESPER_HOME: home, ESPER_API_SECRET: key.secret };
  const cli = (args) => execFileSync(process.execPath, [ESPER_BIN, ...args], { env });
  cli(['init', '--api-base', originUrl, '--api-key', key.apiKey, '--tenant-id', 'quickstart']);
  cli(['sync', 'policies']);
  const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  if (HEAP_MB) execArgv.push(`--max-old-space-size=${HEAP_MB}`);
  const child = spawn(process.execPath, [...execArgv, ESPER_BIN, 'run', '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`esper run exited ${c}\n${out}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.once('exit', (code) => r(code)));
  return {
    url,
    pid: child.pid,
    home,
    status: async () => (await fetch(`${url}/status`)).json(),
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(home, { recursive: true, force: true });
      return code;
    },
  };
}

const rssMb = (pid) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? Number.NaN);
  return { rss: round(kb('VmRSS') / 1024), peak: round(kb('VmHWM') / 1024) };
};

/** CPU time (user + system) a process has used, in µs (/proc/PID/stat, clock ticks of 10 ms). */
const cpuUs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
};

// ---- latency: the same adapter against the daemon and against the mock ----------------------
async function latency(daemon, mock, daemonKey) {
  const N = Number(process.env.BENCH_LATENCY_N ?? (QUICK ? 1000 : 20_000));
  const BLOCK = Math.min(1000, N);
  const WARMUP = QUICK ? 200 : 2000;
  const ip = '203.0.113.7';
  // bench/latency.mjs's request on /articles/1 instead of /login: on /login the quickstart
  // tenant challenges every call past the fifth a minute (pol_login_burst), not the mock's allow.
  const request = new Request('https://shop.example/articles/1?next=%2F', {
    headers: { 'user-agent': 'Mozilla/5.0 bench', accept: 'text/html', 'x-real-ip': ip },
  });
  const common = {
    env: {},
    cache: false,
    timeoutMs: 5000,
    clientIp: { trustedHeader: 'x-real-ip' },
  };
  const node = () => ({
    transport: createUndiciTransport({ load: async () => undici }),
    signer: createNodeSigner(nodeCrypto),
  });
  const clients = {
    mock_undici: createEsper({ ...common, ...node(), apiBase: mock.url, ...KEY }),
    daemon_undici: createEsper({ ...common, ...node(), apiBase: daemon.url, ...daemonKey }),
    mock_fetch: createEsper({ ...common, apiBase: mock.url, ...KEY }),
    daemon_fetch: createEsper({ ...common, apiBase: daemon.url, ...daemonKey }),
  };
  const actions = {};
  const subject = (name) => async () => {
    const d = await clients[name].protect(request);
    if (d.source !== 'remote') throw new Error(`${name}: ${d.reason} ${d.message}`);
    actions[name] ??= {};
    actions[name][d.action] = (actions[name][d.action] ?? 0) + 1;
  };
  const pairs = [
    ['mock_undici', 'daemon_undici'],
    ['mock_fetch', 'daemon_fetch'],
  ];
  const samples = Object.fromEntries(Object.keys(clients).map((n) => [n, []]));
  const cpu0 = { daemon: cpuUs(daemon.pid), mock: cpuUs(mock.pid) };
  for (const names of pairs)
    for (const n of names) for (let i = 0; i < WARMUP; i++) await subject(n)();
  for (const n of Object.keys(actions)) actions[n] = {};
  for (let done = 0; done < N; done += BLOCK) {
    const flip = (done / BLOCK) % 2 === 1;
    for (const names of pairs) {
      for (const n of flip ? [...names].reverse() : names) {
        const run = subject(n);
        for (let i = 0; i < BLOCK; i++) {
          const t = performance.now();
          await run();
          samples[n].push((performance.now() - t) * 1000);
        }
      }
    }
  }
  // Each server answered its two subjects' calls, warm-up included.
  const calls = 2 * (N + WARMUP);
  const cpu = {
    daemon: round((cpuUs(daemon.pid) - cpu0.daemon) / calls),
    mock: round((cpuUs(mock.pid) - cpu0.mock) / calls),
  };
  await Promise.all(Object.values(clients).map((c) => c.close()));
  const out = {};
  for (const [n, xs] of Object.entries(samples))
    out[n] = {
      p50_us: round(percentile(xs, 50), 0),
      p99_us: round(percentile(xs, 99), 0),
      n: xs.length,
      actions: actions[n],
    };
  const ratio = (t, p) => round(out[`daemon_${t}`][`${p}_us`] / out[`mock_${t}`][`${p}_us`], 2);
  return {
    ratio_p50: ratio('undici', 'p50'),
    ratio_p99: ratio('undici', 'p99'),
    ratio_fetch_p50: ratio('fetch', 'p50'),
    ratio_fetch_p99: ratio('fetch', 'p99'),
    latency_us: out,
    server_cpu_us_per_call: cpu,
    samples_per_subject: N,
    warmup: WARMUP,
  };
}

// ---- memory: distinct entities through the real endpoint ------------------------------------
/** The i-th distinct client address (10.0.0.0/8: 16.7 million of them). */
const ipOf = (i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;

async function memory(daemon, daemonKey) {
  const ENTITIES = Number(process.env.BENCH_DAEMON_ENTITIES ?? (QUICK ? 50_000 : 1_000_000));
  const IN_FLIGHT = 64;
  // The daemon refuses calls (429 replay_capacity) once its replay guard holds 1,000,000 live
  // idempotency keys of one API key, i.e. past ~3,300 calls/s sustained over the signature's
  // 300 s window: the driver keeps below it, so that every call is decided.
  const RATE = Number(process.env.BENCH_DAEMON_RATE ?? 3000);
  const floor = await createFloor({
    apiBase: daemon.url,
    ...daemonKey,
    undici,
    hmac: 'node',
  });
  const marks = new Set([0.01, 0.1, 0.25, 0.5, 0.75].map((f) => Math.round(f * ENTITIES)));
  const samples = [{ entities: 0, ...rssMb(daemon.pid) }];
  const actions = {};
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < ENTITIES) {
      const i = next++;
      const due = started + (i / RATE) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const ip = ipOf(i + 1);
      const req = {
        method: 'GET',
        url: `https://shop.example/articles/${i % 500}`,
        headers: { 'user-agent': `Mozilla/5.0 bench ${i % 7}`, accept: 'text/html' },
      };
      try {
        const a = await floor.decide(req, ip);
        // No action: the daemon refused the call (its error body), so nothing was decided.
        if (a === undefined) errors++;
        else actions[a] = (actions[a] ?? 0) + 1;
      } catch {
        errors++;
      }
      if (marks.has(i + 1)) samples.push({ entities: i + 1, ...rssMb(daemon.pid) });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  await floor.close();
  const after = { entities: ENTITIES, ...rssMb(daemon.pid) };
  samples.push(after);
  const status = await daemon.status();
  const half = samples.find((s) => s.entities === Math.round(0.5 * ENTITIES));
  return {
    rss_mb_1m_entities: after.rss,
    rss_peak_mb: after.peak,
    rss_growth_mb_second_half: round(after.rss - (half?.rss ?? Number.NaN)),
    entities: ENTITIES,
    rss_samples_mb: samples,
    decisions_per_s: Math.round(ENTITIES / seconds),
    seconds: round(seconds),
    in_flight: IN_FLIGHT,
    rate_limit_per_s: RATE,
    errors,
    actions,
    status_after: {
      decisions: status.decisions,
      refused: status.refused,
      spool: status.spool,
    },
  };
}

// ---- main ------------------------------------------------------------------------------------
async function main() {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const PROFILE = process.argv.includes('--profile');
  const profileDir = PROFILE ? mkdtempSync(path.join(os.tmpdir(), 'daemon-prof-')) : undefined;
  const loadBefore = machine().load;
  const origin = await startOrigin();
  const daemon = await startDaemon(origin.url, origin.key, profileDir);
  const mock = await startMockProcess();
  const daemonKey = { apiKey: origin.key.apiKey, secret: origin.key.secret };
  const result = {};
  try {
    if (only !== 'memory') Object.assign(result, await latency(daemon, mock, daemonKey));
    if (only !== 'latency') Object.assign(result, await memory(daemon, daemonKey));
  } finally {
    await mock.close();
    result.daemon_exit_code = await daemon.stop();
    origin.stop();
  }
  result.machine = { load_before: loadBefore, load_after: machine().load, quick: QUICK };
  if (HEAP_MB) result.max_old_space_mb = HEAP_MB;
  if (profileDir) {
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    const calls = (result.samples_per_subject ?? 0) * 2 + (result.warmup ?? 0) * 2;
    result.profile_us_per_call = profileByPackage(
      path.join(profileDir, file),
      calls + (result.entities ?? 0),
    );
    const summary = spawnSync(
      process.execPath,
      [here('./profile-summary.mjs'), path.join(profileDir, file), '20'],
      { encoding: 'utf8' },
    );
    process.stderr.write(`esper run, self time:\n${summary.stdout}`);
    if (process.env.BENCH_KEEP_PROFILE) process.stderr.write(`profile kept in ${profileDir}\n`);
    else rmSync(profileDir, { recursive: true, force: true });
  }
  emit({ daemon: result });
  if (!process.env.BENCH_DAEMON_NO_WRITE && !only) write(result);
}

/** Self time of the daemon per call it answered, by where the code lives (idle left out). */
function profileByPackage(file, calls) {
  const bucket = (url, functionName) =>
    /node_modules\/(?:\.pnpm\/)?(@?[\w.-]+)/.exec(url)?.[1] ??
    (functionName.startsWith('(')
      ? functionName
      : url.startsWith('node:')
        ? 'node (js)'
        : 'native (crypto, sockets, fs)');
  return profileByPlace(file, calls, bucket, { skipIdle: true });
}

/** The `daemon` key of results.json, and the BENCHMARKS.md section, from this run. */
function write(d) {
  const file = writeResultKey('daemon', d);
  const met = (ok) => (ok ? 'met' : '**missed**');
  const L = d.latency_us;
  const n = (x) => x.toLocaleString('en-US');
  const curve = d.rss_samples_mb.map((s) => `${n(s.entities)}: ${s.rss}`).join(', ');
  const table = [
    `\`node bench/daemon.mjs${QUICK ? ' --quick' : ''}\`: ${n(d.samples_per_subject)} calls per subject, ${n(d.entities)} entities at ${n(d.decisions_per_s)} decisions/s; load average ${d.machine.load_before} before / ${d.machine.load_after} after.`,
    '',
    '| measure | result | target | |',
    '| --- | --- | --- | --- |',
    `| daemon.ratio_p50: protect() (undici) → esper run vs → mock | ${L.daemon_undici.p50_us} µs vs ${L.mock_undici.p50_us} µs (${d.ratio_p50}×) | ≤ 1.1× | ${met(d.ratio_p50 <= 1.1)} |`,
    `| daemon.ratio_p99: the same, p99 | ${L.daemon_undici.p99_us} µs vs ${L.mock_undici.p99_us} µs (${d.ratio_p99}×) | ≤ 1.1× | ${met(d.ratio_p99 <= 1.1)} |`,
    `| protect() (global fetch) → esper run vs → mock, p50 / p99 | ${L.daemon_fetch.p50_us} / ${L.daemon_fetch.p99_us} µs vs ${L.mock_fetch.p50_us} / ${L.mock_fetch.p99_us} µs (${d.ratio_fetch_p50}× / ${d.ratio_fetch_p99}×) | | |`,
    `| server CPU per call (user + system, /proc): esper run vs mock | ${d.server_cpu_us_per_call.daemon} µs vs ${d.server_cpu_us_per_call.mock} µs | | |`,
    `| daemon.rss_mb_1m_entities: RSS after ${n(d.entities)} distinct client IPs | ${d.rss_mb_1m_entities} MB (peak ${d.rss_peak_mb} MB; second half ${d.rss_growth_mb_second_half >= 0 ? '+' : ''}${d.rss_growth_mb_second_half} MB) | bounded | ${met(d.errors === 0 && d.rss_growth_mb_second_half <= 0.1 * d.rss_mb_1m_entities)} |`,
    `| RSS (MB) by entities sent | ${curve} | | |`,
    `| spool after (bound 100,000) | ${n(d.status_after.spool.depth)} waiting, ${n(d.status_after.spool.sent)} sent, ${n(d.status_after.spool.dropped)} dropped; ${d.errors} errors | | |`,
  ].join('\n');
  console.log(table);
  console.log(`\nwrote ${file}`);
  if (writeBenchmarksSection('daemon', table)) console.log(`updated ${here('../BENCHMARKS.md')}`);
}

if (process.argv[2] !== '--origin') await main();
