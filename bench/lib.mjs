// Shared helpers for the bench scripts: statistics, child processes, the mock runtime process.
import { execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
export const KEY = { apiKey: 'bench_key', secret: 'bench_secret_0123456789abcdef0123' };
export const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export function percentile(xs, p) {
  if (xs.length === 0) return Number.NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
export const median = (xs) => percentile(xs, 50);
export const round = (x, digits = 1) => Number(x.toFixed(digits));

/** Each bench script prints its result as one `RESULT {json}` line; the orchestrator reads it. */
export function emit(result) {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/** Runs `node script args` in a fresh process and returns its RESULT object. */
export function runNode(script, args = [], { env = {}, execArgv = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line)
        reject(new Error(`${script} ${args.join(' ')} exited ${code}\n${out}`));
      else resolve(JSON.parse(line.slice(7)));
    });
  });
}

/**
 * Starts the mock runtime (`@esper/testing`) in its own process, so its work never shares the
 * measured process's event loop. `answer` is the default answer (e.g. `{ fault: 'hang' }`).
 */
export async function startMockProcess({ answer } = {}) {
  const child = fork(here('./mock.mjs'), [JSON.stringify({ answer: answer ?? null })], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let seq = 0;
  const url = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`mock exited ${code}`)));
    child.on('message', (m) => {
      if (m.type === 'ready') resolve(m.url);
      else if (m.type === 'reply') {
        pending.get(m.id)?.(m.value);
        pending.delete(m.id);
      }
    });
  });
  child.removeAllListeners('exit');
  const ask = (type) =>
    new Promise((resolve) => {
      const id = ++seq;
      pending.set(id, resolve);
      child.send({ type, id });
    });
  return {
    url,
    pid: child.pid,
    counts: () => ask('counts'),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function machine() {
  const load = (() => {
    try {
      return execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' })
        .split(' ')
        .slice(0, 3)
        .join(' ');
    } catch {
      return 'unknown';
    }
  })();
  return { load };
}

/** Sets `key` in bench/results.json (results.quick.json with --quick); resolves to the file. */
export function writeResultKey(key, value) {
  const file = here(QUICK ? './results.quick.json' : './results.json');
  let results = {};
  try {
    results = JSON.parse(readFileSync(file, 'utf8'));
  } catch {}
  results[key] = value;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/**
 * Replaces BENCHMARKS.md's section between `<!-- name:start -->` and `<!-- name:end -->` with
 * `table` (written unpadded; Biome, the repo's Markdown formatter, aligns it). Quick runs never
 * touch it. Resolves to whether it wrote.
 */
export function writeBenchmarksSection(name, table) {
  if (QUICK) return false;
  const md = here('../BENCHMARKS.md');
  const text = readFileSync(md, 'utf8');
  const a = text.indexOf(`<!-- ${name}:start -->`);
  const b = text.indexOf(`<!-- ${name}:end -->`);
  if (a === -1 || b < a) return false;
  writeFileSync(md, `${text.slice(0, a)}<!-- ${name}:start -->\n\n${table}\n\n${text.slice(b)}`);
  spawnSync('npx', ['biome', 'format', '--write', md], { stdio: 'ignore' });
  return true;
}

/**
 * Self time per unit of work (µs) from a .cpuprofile, by where the code lives; `bucket` names a
 * node's place when it is not in a workspace package. Printed biggest first.
 */
export function profileByPlace(file, units, bucket, { skipIdle = false } = {}) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const time = new Map();
  prof.samples.forEach((id, i) => {
    time.set(id, (time.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  const out = {};
  for (const n of prof.nodes) {
    const { url, functionName } = n.callFrame;
    if (skipIdle && functionName === '(idle)') continue;
    const pkg = /packages\/(\w+)\//.exec(url)?.[1];
    const key = pkg ? `@esper/${pkg}` : bucket(url, functionName);
    out[key] = (out[key] ?? 0) + (time.get(n.id) ?? 0);
  }
  const rows = Object.entries(out)
    .map(([k, us]) => [k, round(us / units, 1)])
    .sort((a, b) => b[1] - a[1]);
  for (const [k, us] of rows) process.stderr.write(`  ${String(us).padStart(7)} µs  ${k}\n`);
  return Object.fromEntries(rows);
}
