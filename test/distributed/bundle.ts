/**
 * The worker (worker.ts) bundled from the packages' sources (the `@esper/source` condition, as
 * the tests run them) into one CommonJS file a plain `node` runs: no build of the packages
 * needed, and the processes run exactly the code under test.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Outcome, PlannedRequest } from './plan.js';

export async function bundleWorker(): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'esper-distributed-')), 'worker.cjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: ['@esper/source'],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

export interface Worker {
  run(requests: PlannedRequest[]): Promise<Outcome[]>;
  stop(): Promise<void>;
  output(): string;
}

export async function startWorker(file: string, env: Record<string, string>): Promise<Worker> {
  const child = fork(file, [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = once(child, 'exit');
  const [first] = (await Promise.race([
    once(child, 'message'),
    exited.then(() => {
      throw new Error(`worker exited before ready:\n${output}`);
    }),
  ])) as [{ ready?: true }];
  if (!first.ready) throw new Error(`worker: unexpected first message:\n${output}`);
  return {
    async run(requests) {
      const answer = once(child, 'message') as Promise<[{ outcomes: Outcome[] }]>;
      child.send({ run: requests });
      const [{ outcomes }] = await answer;
      return outcomes;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ exit: true });
      const late = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(late);
    },
    output: () => output,
  };
}
