/**
 * Runs the `esper` CLI as users do, in its own Node process: `src/cli/main.ts` bundled once per
 * test file with esbuild (sources through the `@esper/source` condition, so no stale build),
 * each command a real process with its own `ESPER_HOME`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

let bundled: Promise<string> | undefined;

/** The CLI as one ESM file; built once per test file. */
export function esperBundle(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'esper-cli-')), 'esper.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('../main.ts', import.meta.url))],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@esper/source'],
      banner: {
        js: "import { createRequire as esperCreateRequire } from 'node:module'; const require = esperCreateRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    return outfile;
  })();
  return bundled;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'esper-home-'));
}

export interface EsperResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one command to completion. */
export async function esper(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<EsperResult> {
  const p = await startEsper(args, env);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

export interface EsperProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout (rejects if the process exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then the exit code (SIGKILL and a rejection after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export async function startEsper(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<EsperProcess> {
  const file = await esperBundle();
  const child = spawn(process.execPath, [file, ...args], {
    env: { ...process.env, ESPER_API_SECRET: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? null : code)),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    async waitFor(pattern, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const m = out.match(pattern);
        if (m) return m;
        if (done) throw new Error(`esper ${args.join(' ')} exited:\n${out}\n${err}`);
        if (Date.now() > end)
          throw new Error(`no ${pattern} from esper ${args.join(' ')}:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop(timeoutMs = 15_000) {
      if (done) return exited;
      child.kill('SIGTERM');
      const late = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(late);
      if (code === null)
        throw new Error(`esper ${args.join(' ')} did not exit on SIGTERM:\n${out}\n${err}`);
      return code;
    },
  };
}

/** Polls `check` until it returns a truthy value. */
export async function until<T>(
  check: () => T | Promise<T>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
