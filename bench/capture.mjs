// `esper capture run --enforce` vs a plain reverse proxy on the same library (http-proxy-3, the
// same `startCaptureProxy` with no client: no decisions), keys under `capture`:
// - ratio_p50: added latency p50 of the capture over the plain proxy. Added latency is a
//   proxy's round-trip p50 minus the application's own (direct) round-trip p50, one request at
//   a time on a keep-alive connection. Target ≤ 1.3.
// - rps_ratio: requests/s of the capture over the plain proxy under autocannon. Target ≥ 0.8.
// The application, origin (`startRuntime`, quickstart tenant) and each proxy run in their own
// processes; rounds alternate which proxy goes first and the median of the rounds is reported.
// Every request is allowed (varied paths, no blocking policy matches): each one is decided
// locally and then proxied, the capture's full cost. Writes bench/results.json's `capture` key
// and the BENCHMARKS.md section between `<!-- capture:start -->` and `<!-- capture:end -->`
// when run alone (run.mjs sets BENCH_CAPTURE_NO_WRITE and merges the RESULT line itself).
// `--profile`: the capture process runs under --cpu-prof; its CPU per request by package (self
// time over every request it served) is printed and kept under `capture.profile_us_per_request`.
// Usage: node bench/capture.mjs [--quick] [--profile]   (after `pnpm build`)
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import {
  emit,
  here,
  machine,
  median,
  percentile,
  profileByPlace,
  QUICK,
  round,
  writeBenchmarksSection,
  writeResultKey,
} from './lib.mjs';

const runtimeDist = new URL('../packages/runtime/dist/index.js', import.meta.url).href;
const ROLE = process.argv[2] === '--child' ? process.argv[3] : undefined;

// ---- the child processes --------------------------------------------------------------------
if (ROLE) {
  const { createServer } = await import('node:http');
  const rt = await import(runtimeDist);
  const [upstreamUrl, originUrl] = process.argv.slice(4);
  let url;
  if (ROLE === 'app') {
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`hello ${req.headers['x-esper-decision'] ?? 'direct'}\n`);
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${server.address().port}`;
  } else if (ROLE === 'origin') {
    url = (await rt.startRuntime({ tenants: [rt.QUICKSTART_TENANT] })).url;
  } else if (ROLE === 'plain') {
    url = (await rt.startCaptureProxy({ upstream: new URL(upstreamUrl) })).url;
  } else if (ROLE === 'free') {
    // The capture's own code (the Request built for core, the awaits, the decision's headers)
    // with a client whose every decision is a ready allow: what is left of the cost.
    const decision = {
      ...{ action: 'allow', mode: 'live', enforced: false, source: 'local', reason: 'local' },
      ...{ ttlSeconds: 0, responseHeaders: [], upstreamHeaders: [], latencyMs: 0 },
      pending: Promise.resolve(),
    };
    const client = {
      protect: async () => decision,
      respond: async () => null,
      upstreamHeaders: (headers) => headers,
      screenFailed: () => decision,
    };
    url = (await rt.startCaptureProxy({ upstream: new URL(upstreamUrl), client })).url;
  } else if (ROLE === 'capture') {
    const [{ apiKey, secret }] = rt.QUICKSTART_TENANT.api_keys;
    const env = { ESPER_API_KEY: apiKey, ESPER_API_SECRET: secret };
    const argv = ['--enforce', '--upstream', upstreamUrl, '--listen', '127.0.0.1:0'];
    argv.push('--api-base', originUrl, '--report-interval', '0');
    const options = rt.parseCaptureArgs(argv, env);
    const quiet = () => {};
    const capture = await rt.startCapture(options, { stdout: quiet, stderr: quiet, env });
    url = capture.url;
    process.on('message', (m) => {
      if (m === 'totals') {
        const { p50Us, p99Us } = capture.recorder.activity.latency();
        process.send({ totals: capture.recorder.totals, decision: { p50Us, p99Us } });
      }
    });
  }
  process.send({ url });
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
  process.on('SIGTERM', () => process.exit(0));
}

const PROFILE = process.argv.includes('--profile');
const profileDir = PROFILE && !ROLE ? mkdtempSync(path.join(os.tmpdir(), 'capture-prof-')) : '';

function start(role, args = []) {
  const execArgv =
    role === 'capture' && PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = fork(here('./capture.mjs'), ['--child', role, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv,
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`${role} exited ${c}`)));
    child.once('message', ({ url }) => {
      child.removeAllListeners('exit');
      resolve({ url, child, stop: () => child.kill('SIGTERM') });
    });
  });
}

// ---- measuring -------------------------------------------------------------------------------
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
let seq = 0;

function once(base) {
  const path = `/articles/${seq++ % 500}?page=${seq % 7}`;
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = request(`${base}${path}`, { agent, headers: { 'user-agent': 'bench' } }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(performance.now() - t)
          : reject(new Error(`${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function roundTrips(base, n) {
  for (let i = 0; i < 200; i++) await once(base); // warm-up
  const xs = [];
  for (let i = 0; i < n; i++) xs.push(await once(base));
  return { p50: percentile(xs, 50) * 1000, p99: percentile(xs, 99) * 1000 };
}

const load = (url, duration) =>
  new Promise((resolve, reject) =>
    autocannon(
      {
        url: `${url}/articles/1`,
        connections: 32,
        duration,
        requests: [{ setupRequest: (r) => ({ ...r, path: `/articles/${seq++ % 500}` }) }],
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    ),
  );

async function main() {
  const N = QUICK ? 500 : 3000;
  const ROUNDS = QUICK ? 2 : 5;
  const DURATION = QUICK ? 2 : 5;
  const loadBefore = machine().load;
  const app = await start('app');
  const origin = await start('origin');
  const plain = await start('plain', [app.url]);
  const capture = await start('capture', [app.url, origin.url]);
  const free = await start('free', [app.url]);
  const proxies = { plain, capture, free };
  const samples = { direct: [], plain: [], capture: [], free: [], plain_p99: [], capture_p99: [] };
  samples.free_p99 = [];
  const rps = { plain: [], capture: [] };
  let errors = 0;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? ['capture', 'plain'] : ['plain', 'capture'];
      samples.direct.push((await roundTrips(app.url, N)).p50);
      for (const name of [...order, 'free']) {
        const t = await roundTrips(proxies[name].url, N);
        samples[name].push(t.p50);
        samples[`${name}_p99`].push(t.p99);
      }
      for (const name of order) {
        const res = await load(proxies[name].url, DURATION);
        rps[name].push(res.requests.average);
        errors += res.errors + res.non2xx;
      }
    }
    capture.child.send('totals');
    const { totals, decision } = await new Promise((r) => capture.child.once('message', r));
    const direct = median(samples.direct);
    const plainP50 = median(samples.plain);
    const captureP50 = median(samples.capture);
    const added = { plain: plainP50 - direct, capture: captureP50 - direct };
    const result = {
      ratio_p50: round(added.capture / added.plain, 2),
      rps_ratio: round(median(rps.capture) / median(rps.plain), 2),
      added_p50_us: {
        plain: round(added.plain),
        capture: round(added.capture),
        free_decisions: round(median(samples.free) - direct),
      },
      rtt_p50_us: { direct: round(direct), plain: round(plainP50), capture: round(captureP50) },
      rtt_p99_us: {
        plain: round(median(samples.plain_p99)),
        capture: round(median(samples.capture_p99)),
      },
      rps: { plain: Math.round(median(rps.plain)), capture: Math.round(median(rps.capture)) },
      rounds: ROUNDS,
      round_trips_per_round: N,
      load_seconds_per_round: DURATION,
      connections: 32,
      errors,
      capture_decisions: totals,
      // protect() as core timed it inside the capture (histogram bucket bounds, see console/).
      decision_p50_us: decision.p50Us,
      decision_p99_us: decision.p99Us,
      library: 'http-proxy-3 (both proxies), keep-alive agent to the application',
      machine: { load_before: loadBefore, load_after: machine().load, quick: QUICK },
    };
    if (PROFILE) {
      await new Promise((r) => {
        capture.child.once('exit', r);
        capture.stop();
      });
      result.profile_us_per_request = profileByPackage(totals.requests);
      rmSync(profileDir, { recursive: true, force: true });
    }
    emit({ capture: result });
    if (!process.env.BENCH_CAPTURE_NO_WRITE) write(result);
  } finally {
    for (const p of [capture, free, plain, origin, app]) p.stop();
    agent.destroy();
  }
}

/** Self time of the capture process per request it decided, by where the code lives. */
function profileByPackage(requests) {
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  return profileByPlace(path.join(profileDir, file), requests, (url, functionName) =>
    /http-proxy-3/.test(url)
      ? 'http-proxy-3'
      : /undici/.test(url)
        ? 'undici'
        : ['(idle)', '(garbage collector)'].includes(functionName)
          ? functionName
          : url.startsWith('node:')
            ? 'node (js)'
            : 'native (socket writes, …)',
  );
}

/** The `capture` key of results.json, and the BENCHMARKS.md section, from this run. */
function write(c) {
  const file = writeResultKey('capture', c);
  const met = (ok) => (ok ? 'met' : '**missed**');
  const table = [
    `\`node bench/capture.mjs${QUICK ? ' --quick' : ''}\`: ${c.rounds} rounds, load average ${c.machine.load_before} before / ${c.machine.load_after} after.`,
    '',
    '| measure | result | target | |',
    '| --- | --- | --- | --- |',
    `| capture.ratio_p50: added latency p50, capture --enforce vs plain proxy | ${c.added_p50_us.capture} µs vs ${c.added_p50_us.plain} µs (${c.ratio_p50}×); round trip p50 ${c.rtt_p50_us.capture} / ${c.rtt_p50_us.plain} / ${c.rtt_p50_us.direct} µs direct | ≤ 1.3× | ${met(c.ratio_p50 <= 1.3)} |`,
    `| capture.rps_ratio: requests/s, capture --enforce vs plain proxy (${c.connections} connections) | ${c.rps.capture.toLocaleString('en-US')} vs ${c.rps.plain.toLocaleString('en-US')} (${c.rps_ratio}×) | ≥ 0.8× | ${met(c.rps_ratio >= 0.8)} |`,
    `| the same proxy code with free decisions (a client answering allow at once): added latency p50 | ${c.added_p50_us.free_decisions} µs | | |`,
    `| one decision inside the capture (core's \`latencyMs\`; histogram bucket bounds) | p50 ≤ ${c.decision_p50_us} µs, p99 ≤ ${c.decision_p99_us} µs over ${c.capture_decisions.requests.toLocaleString('en-US')} decisions | | |`,
  ].join('\n');
  console.log(table);
  console.log(`\nwrote ${file}`);
  if (writeBenchmarksSection('capture', table)) console.log(`updated ${here('../BENCHMARKS.md')}`);
}

if (!ROLE) await main();
