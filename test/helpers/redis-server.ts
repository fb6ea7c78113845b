/**
 * A real Debian `redis-server` for the tests: installed with apt-get when missing, started on
 * 127.0.0.1 on a free port with no persistence (a restart comes back empty), and stopped by the
 * test. `stop()` shuts it down, `kill()` is SIGKILL (mid-script, if one runs), `restart()` starts
 * a fresh, empty server on the same port.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './node-process.mjs';

export interface RedisServer {
  port: number;
  url: string;
  /** Everything the server printed. */
  output(): string;
  /** Sends one command through `redis-cli` and returns its raw output. */
  cli(...args: string[]): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  readonly running: boolean;
}

let availability: string | undefined | null = null;

/**
 * Undefined when `redis-server` can run here (installing it with apt-get if it is missing),
 * else why not: tests skip with that message only then.
 */
export function redisUnavailable(): string | undefined {
  if (availability !== null) return availability;
  const found = () => spawnSync('redis-server', ['--version']).status === 0;
  if (!found()) {
    const install = () =>
      spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], {
        encoding: 'utf8',
        timeout: 300_000,
      });
    let apt = install();
    if (apt.status !== 0) {
      // Stale package lists: refresh them once and try again.
      spawnSync('apt-get', ['update', '-qq'], { timeout: 300_000 });
      apt = install();
    }
    if (!found()) {
      availability = `redis-server is not installed and apt-get could not install it (${
        apt.error?.message ?? apt.stderr?.trim().split('\n').pop() ?? `exit ${apt.status}`
      })`;
      return availability;
    }
  }
  availability = undefined;
  return availability;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly'];
    args.push('no', '--protected-mode', 'no', '--loglevel', 'warning', '--dir', '/tmp');
    const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d) => (output += d));
    c.stderr?.on('data', (d) => (output += d));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (c.exitCode !== null) throw new Error(`redis-server exited:\n${output}`);
      if (ping()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`redis-server did not answer on ${port}:\n${output}`);
  }

  function cli(...args: string[]): string {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  }
  const ping = () => cli('PING') === 'PONG';

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill(signal);
    await exited;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    output: () => output,
    cli,
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async restart() {
      await halt('SIGKILL');
      await start();
    },
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
  };
}
