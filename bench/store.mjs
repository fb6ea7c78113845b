// The shared store's cost (issue 15), keys under `store.redis`, on a real redis-server (Debian's,
// started here on a free port, no persistence):
// - ratio_p50 / ratio_p99: protect() with a hybrid decider on @esper/redis, divided by a raw
//   EVALSHA of the same script with the same keys from the same process to the same server
//   (alternating rounds, one call per macrotask); target ≤ 1.2.
// - round_trips_per_decision: commands clients sent the server (its MONITOR stream, where a
//   script's own commands are marked `lua` and left out) per protect(), over 2,000 decisions;
//   target ≤ 1. INFO commandstats gives EVALSHA+EVAL per decision beside it.
// - throughput_1p / throughput_3p: decisions per second of 1 and of 3 warm processes sharing
//   the server, 16 in flight each.
// The app (bench/store-app.mjs) is bundled from the packages' sources with esbuild, so no build
// is needed. Merges `store` into bench/results.json and rewrites BENCHMARKS.md's "Shared store"
// section from what it measured. Usage: node bench/store.mjs [--quick]
import { execFileSync, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { emit, here, machine, QUICK, round } from './lib.mjs';

const log = (msg) =>
  process.env.BENCH_QUIET ||
  process.env.BENCH_STORE_NO_WRITE ||
  process.stderr.write(`  store: ${msg}\n`);

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const server = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  { stdio: 'ignore' },
);
const cli = (...args) =>
  execFileSync('redis-cli', ['-p', String(port), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
for (let i = 0; ; i++) {
  try {
    if (cli('PING') === 'PONG') break;
  } catch {}
  if (i > 200) throw new Error('redis-server did not start');
  await new Promise((r) => setTimeout(r, 25));
}
const url = `redis://127.0.0.1:${port}`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'esper-store-bench-'));
const app = path.join(dir, 'app.mjs');
await build({
  entryPoints: [here('./store-app.mjs')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@esper/source'],
  outfile: app,
  logLevel: 'error',
  // node-redis is CommonJS: its require() calls need a real require in an ES module.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});

async function start(tagName) {
  const child = fork(app, [], {
    env: { ...process.env, REDIS_URL: url, BENCH_TAG: tagName },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [first] = await once(child, 'message');
  if (!first.ready) throw new Error('store app did not start');
  return {
    ask: async (msg) => {
      const answer = once(child, 'message');
      child.send(msg);
      const exited = once(child, 'exit').then(([code]) => {
        throw new Error(`store app exited ${code}`);
      });
      return (await Promise.race([answer, exited]))[0];
    },
    stop: async () => {
      child.send({ exit: true });
      await once(child, 'exit');
    },
  };
}

const result = {};
const loadBefore = machine().load;
const solo = await start('solo');
const lat = await solo.ask({
  latency: { rounds: QUICK ? 4 : 10, perRound: QUICK ? 250 : 1000 },
});
result.protect_p50_us = round(lat.protect_p50_us);
result.protect_p99_us = round(lat.protect_p99_us);
result.evalsha_p50_us = round(lat.raw_p50_us);
result.evalsha_p99_us = round(lat.raw_p99_us);
result.record_p50_us = round(lat.record_p50_us);
result.record_p99_us = round(lat.record_p99_us);
result.protect_memory_p50_us = round(lat.memory_p50_us);
result.protect_memory_p99_us = round(lat.memory_p99_us);
result.ratio_p50 = round(lat.protect_p50_us / lat.raw_p50_us, 2);
result.ratio_p99 = round(lat.protect_p99_us / lat.raw_p99_us, 2);
// What the store adds to a decision (protect() on Redis minus protect() in memory), per EVALSHA.
result.added_ratio_p50 = round((lat.protect_p50_us - lat.memory_p50_us) / lat.raw_p50_us, 2);
log(
  `p50: protect ${result.protect_p50_us} µs, EVALSHA ${result.evalsha_p50_us} µs, guarded record ${result.record_p50_us} µs, protect in memory ${result.protect_memory_p50_us} µs`,
);

// Round trips, counted on the server: MONITOR shows every command a client sent, and marks
// the ones a script issued (`[0 lua]`) apart; INFO commandstats gives the same from its side.
cli('CONFIG', 'RESETSTAT');
const monitor = spawn('redis-cli', ['-p', String(port), 'MONITOR'], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
let monitored = '';
monitor.stdout.on('data', (d) => (monitored += d));
await new Promise((r) => setTimeout(r, 300));
const decisions = 2_000;
await solo.ask({ count: decisions });
await new Promise((r) => setTimeout(r, 500));
monitor.kill();
const lines = monitored.split('\n').filter((l) => /^\d+\.\d+ \[/.test(l));
const fromClients = lines.filter((l) => !l.includes(' lua]'));
result.round_trips_per_decision = round(fromClients.length / decisions, 3);
const perCommand = {};
for (const m of cli('INFO', 'commandstats').matchAll(/cmdstat_([^:]+):calls=(\d+)/g))
  perCommand[m[1]] = Number(m[2]);
result.script_calls_per_decision = round(
  ((perCommand.evalsha ?? 0) + (perCommand.eval ?? 0)) / decisions,
  3,
);
result.commands_from_clients = fromClients.length;
result.commands_from_scripts = lines.length - fromClients.length;
log(
  `round trips per decision ${result.round_trips_per_decision} (EVALSHA+EVAL per decision ${result.script_calls_per_decision}; ${result.commands_from_scripts} commands inside scripts)`,
);

// Throughput: three warm processes; one alone, then all three at once on the same server.
const ms = QUICK ? 2_000 : 5_000;
const others = await Promise.all([1, 2].map((i) => start(`p${i}`)));
const three = [solo, ...others];
await Promise.all(others.map((w) => w.ask({ count: 2_000 })));
const one = await solo.ask({ throughput: { ms, concurrency: 16 } });
result.throughput_1p = Math.round((one.decisions * 1000) / ms);
const runs = await Promise.all(three.map((w) => w.ask({ throughput: { ms, concurrency: 16 } })));
result.throughput_3p = Math.round((runs.reduce((s, r) => s + r.decisions, 0) * 1000) / ms);
result.throughput_3p_per_process = runs.map((r) => Math.round((r.decisions * 1000) / ms));
await Promise.all(three.map((w) => w.stop()));
log(`throughput 1 process ${result.throughput_1p}/s, 3 processes ${result.throughput_3p}/s`);
server.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

result.redis_server = /v=(\S+)/.exec(
  execFileSync('redis-server', ['--version'], { encoding: 'utf8' }),
)?.[1];
result.machine = {
  nproc: os.availableParallelism(),
  load_before: loadBefore,
  load_after: machine().load,
  quick: QUICK,
  date: new Date().toISOString(),
};

const out = { store: { redis: result } };
// Run alone it records its figures; under bench/run.mjs (BENCH_STORE_NO_WRITE) run.mjs does.
if (!QUICK && !process.env.BENCH_STORE_NO_WRITE) {
  const file = here('./results.json');
  const all = JSON.parse(readFileSync(file, 'utf8'));
  all.store = out.store;
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  writeSection(result);
}
emit(out);

/** A Markdown table padded as the repository's formatter (biome) pads it. */
function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(3, ...rows.map((row) => row[c].length)));
  const line = (row) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join(
    '\n',
  );
}

function writeSection(r) {
  const file = here('../BENCHMARKS.md');
  const md = readFileSync(file, 'utf8');
  const begin = '<!-- store:begin (bench/store.mjs writes this section) -->';
  const end = '<!-- store:end -->';
  const met = (ok) => (ok ? 'met' : '**missed**');
  const section = `${begin}
## Shared store (Redis)

\`node bench/store.mjs\` on ${r.machine.nproc} cores (load ${r.machine.load_before} before, ${r.machine.load_after} after), ${r.redis_server ? `redis-server ${r.redis_server}` : 'redis-server'} on 127.0.0.1, ${r.machine.date.slice(0, 10)}: \`protect()\` with \`createHybrid({ store: createRedisStore(…) })\` on a tenant counting 3 windows per decision (per IP, per user agent, tenant total).

${table([
  ['figure', 'value', 'target', ''],
  ['`protect()` on Redis, p50 / p99', `${r.protect_p50_us} / ${r.protect_p99_us} µs`, '', ''],
  [
    'raw EVALSHA of the same script and keys, p50 / p99',
    `${r.evalsha_p50_us} / ${r.evalsha_p99_us} µs`,
    '',
    '',
  ],
  [
    "the store's guarded `record` alone, p50 / p99",
    `${r.record_p50_us} / ${r.record_p99_us} µs`,
    '',
    '',
  ],
  [
    '`protect()` on the in-memory store, p50 / p99',
    `${r.protect_memory_p50_us} / ${r.protect_memory_p99_us} µs`,
    '',
    '',
  ],
  [
    '`store.redis.ratio_p50` (protect on Redis ÷ EVALSHA)',
    `${r.ratio_p50}×`,
    '≤ 1.2×',
    met(r.ratio_p50 <= 1.2),
  ],
  ['`store.redis.ratio_p99`', `${r.ratio_p99}×`, '≤ 1.2×', met(r.ratio_p99 <= 1.2)],
  [
    '`store.redis.added_ratio_p50` ((protect on Redis − protect in memory) ÷ EVALSHA)',
    `${r.added_ratio_p50}×`,
    '',
    '',
  ],
  [
    "`store.redis.round_trips_per_decision` (commands from clients in the server's MONITOR)",
    `${r.round_trips_per_decision} (EVALSHA+EVAL per decision in INFO commandstats: ${r.script_calls_per_decision})`,
    '≤ 1',
    met(r.round_trips_per_decision <= 1),
  ],
  [
    'throughput, 1 process (16 in flight)',
    `${r.throughput_1p.toLocaleString('en-US')} decisions/s`,
    '',
    '',
  ],
  [
    'throughput, 3 processes sharing one Redis',
    `${r.throughput_3p.toLocaleString('en-US')} decisions/s (${r.throughput_3p_per_process.map((x) => x.toLocaleString('en-US')).join(' + ')})`,
    '',
    '',
  ],
])}

On loopback a round trip takes ${r.evalsha_p50_us} µs, and \`protect()\`'s own work (routing, the body, the engine, the answer: the in-memory row, ${r.protect_memory_p50_us} µs) comes on top of it, so the ratio to a bare EVALSHA is ${r.ratio_p50}× here; the longer the round trip (a network instead of loopback), the less that fixed cost weighs. The store's own share is one EVALSHA plus the \`record\` row's difference to it. Throughput: the processes and redis-server share ${r.machine.nproc} cores.

${end}`;
  const i = md.indexOf(begin);
  const next =
    i === -1
      ? `${md.trimEnd()}\n\n${section}\n`
      : md.slice(0, i) + section + md.slice(md.indexOf(end) + end.length);
  writeFileSync(file, next);
}
