/**
 * Where the hybrid runtime keeps its state: `~/.esper` (or `$ESPER_HOME`), as the seeds list it:
 * `config.yaml`, `credentials.xml`, `runtime.xml`, `cache/`, `logs/`, `data/`.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface EsperHome {
  dir: string;
  config: string;
  credentials: string;
  runtime: string;
  cache: string;
  logs: string;
  data: string;
  /** The cached snapshot (`esper sync`, `esper run`). */
  snapshot: string;
  /** The daemon's lock (pid) and status (address) files. */
  lock: string;
  daemonState: string;
  /** The last daemon's final status (`esper status` when none runs). */
  lastRun: string;
  /** The results console's login for this run (`esper run` writes it, 0600). */
  consoleToken: string;
}

export function esperHome(env: Record<string, string | undefined>): EsperHome {
  const dir = resolve(env.ESPER_HOME || join(homedir(), '.esper'));
  const cache = join(dir, 'cache');
  const data = join(dir, 'data');
  return {
    dir,
    config: join(dir, 'config.yaml'),
    credentials: join(dir, 'credentials.xml'),
    runtime: join(dir, 'runtime.xml'),
    cache,
    logs: join(dir, 'logs'),
    data,
    snapshot: join(cache, 'snapshot.json'),
    lock: join(data, 'daemon.lock'),
    daemonState: join(data, 'daemon.json'),
    consoleToken: join(data, 'console-token'),
    lastRun: join(data, 'last-run.json'),
  };
}

/** Creates the home and its three directories (owner-only: they hold the tenant's logic). */
export function ensureHomeDirs(home: EsperHome): void {
  for (const dir of [home.dir, home.cache, home.logs, home.data]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}
