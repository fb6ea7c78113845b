// Shared helpers for the bench scripts: statistics, child processes, the mock runtime process.
import { execFileSync, fork, spawn } from 'node:child_process';
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
