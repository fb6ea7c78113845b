import type { ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import process from 'node:process';

/**
 * What each kind of target can tell us about errors nobody handled. Each watcher returns the
 * problems seen since it was created; the matrix asserts none after every fault.
 */
export interface Watcher {
  problems(): string[];
}

const SUSPICIOUS = /unhandled|uncaught/i;

/** In-process targets (Node, Edge VM, Lambda, Express): the process's own events. */
export function processWatcher(): Watcher {
  const seen: string[] = [];
  process.on('unhandledRejection', (reason) => seen.push(`unhandledRejection: ${reason}`));
  process.on('uncaughtException', (err) => seen.push(`uncaughtException: ${err}`));
  return { problems: () => [...seen] };
}

/**
 * workerd: Miniflare pipes the worker's stdout/stderr line by line to console.log/error of
 * this process; workerd reports an unhandled rejection there as "Uncaught (in promise)".
 */
export function consoleWatcher(): Watcher {
  const seen: string[] = [];
  for (const level of ['log', 'error', 'warn'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const line = args.map(String).join(' ');
      if (SUSPICIOUS.test(line)) seen.push(line);
      original(...args);
    };
  }
  return { problems: () => [...seen] };
}

const childLines: string[] = [];

/**
 * Child-process targets (hono-node, next start): the suite mocks `node:child_process` so that
 * every spawned child's output is also read here. Node 20 exits on an unhandled rejection
 * (caught by the next request failing); Next logs it instead, which this sees.
 */
export function teeSpawn(spawn: typeof nodeSpawn): typeof nodeSpawn {
  return ((...args: Parameters<typeof nodeSpawn>) => {
    const child = (spawn as (...a: unknown[]) => ChildProcess)(...args);
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        for (const line of String(chunk).split('\n'))
          if (SUSPICIOUS.test(line)) childLines.push(line);
      });
    }
    return child;
  }) as typeof nodeSpawn;
}

/**
 * The factory a child-process suite mocks `node:child_process` with, in one line:
 * `vi.mock('node:child_process', (load) => import('./watch.js').then((w) => w.teed(load)))`.
 */
export async function teed(load: <T>() => Promise<T>) {
  const mod = await load<typeof import('node:child_process')>();
  return { ...mod, spawn: teeSpawn(mod.spawn) };
}

export function childWatcher(): Watcher {
  return { problems: () => [...childLines] };
}
