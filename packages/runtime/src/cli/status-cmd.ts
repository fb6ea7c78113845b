/** `esper status`: the running daemon's `/status`, or what the files say when none runs. */
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readCache } from '../daemon/cache.js';
import type { DaemonStatus } from '../daemon/daemon.js';
import { esperHome } from '../daemon/home.js';
import { lockPid } from '../daemon/lock.js';
import { spoolFileStats } from '../daemon/spool.js';
import { type CliIo, EXIT } from './io.js';

export const STATUS_USAGE = `Usage: esper status [--json]

Sync age and snapshot version, spool depth (events not yet confirmed by origin), events sent
and dropped, the store (runtime.xml's <store>, a Redis URL without its password) and its
circuit breaker, and decisions by action: from the running daemon (GET /status on the address in
~/.esper/data/daemon.json), else from the files (decisions: those of the last run, from
~/.esper/data/last-run.json).

  --json       print the status as JSON
  -h, --help   this help
`;

async function fromDaemon(stateFile: string, lockFile: string): Promise<DaemonStatus | undefined> {
  let url: string;
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { url: string; pid: number };
    if (lockPid(lockFile) !== state.pid) return undefined;
    url = state.url;
  } catch {
    return undefined;
  }
  try {
    const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as DaemonStatus) : undefined;
  } catch {
    return undefined;
  }
}

function ago(seconds: number | null): string {
  return seconds === null ? 'never' : `${seconds} s ago`;
}

type LastRun = DaemonStatus & { stopped_at: string; reason: string };

function actionsOf(decisions: Record<string, number>, none: string): string {
  const parts = Object.entries(decisions).map(([a, n]) => `${a} ${n}`);
  return parts.length > 0 ? parts.join(', ') : none;
}

function lastRun(file: string): LastRun | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LastRun;
  } catch {
    return undefined;
  }
}

/** `memory (max_keys 10000)` or `redis redis://host:6379 ($VAR), breaker closed, …`. */
function storeLine(store: DaemonStatus['store'] | undefined): string {
  if (!store) return '';
  const what =
    store.type === 'memory'
      ? `memory (max_keys ${store.max_keys})`
      : `redis ${store.url}${store.url_env ? ` (from $${store.url_env})` : ''}`;
  const b = store.breaker;
  const breaker = b
    ? `, breaker ${b.state}, ${b.recent_failures} recent failures, ${b.short_circuited} short-circuited${b.last_error ? `; last error: ${b.last_error}` : ''}`
    : '';
  return `store: ${what}${breaker}\n`;
}

function liveLines(live: DaemonStatus): string {
  const snap = live.snapshot;
  const spool = live.spool;
  return (
    `daemon: running, pid ${live.pid}, ${live.url}, esper ${live.version}, enforcement ${live.enforcement}\n` +
    `snapshot: ${snap.version ?? 'none'}, synced ${ago(snap.sync_age_seconds)}${snap.stale ? ' (stale)' : ''}${snap.last_error ? `; last error: ${snap.last_error}` : ''}\n` +
    `spool: ${spool.depth} waiting, ${spool.sent} sent, ${spool.dropped} dropped${spool.last_error ? `; last error: ${spool.last_error}` : ''}\n` +
    storeLine(live.store) +
    `decisions: ${actionsOf(live.decisions, 'none yet')}\n`
  );
}

export async function runStatus(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout(STATUS_USAGE);
    return EXIT.ok;
  }
  const home = esperHome(io.env);
  const live = await fromDaemon(home.daemonState, home.lock);
  if (live) {
    io.stdout(
      values.json ? `${JSON.stringify({ running: true, ...live }, null, 2)}\n` : liveLines(live),
    );
    return EXIT.ok;
  }
  const cached = readCache(home.snapshot);
  let age: number | null = null;
  try {
    age = Math.round((Date.now() - statSync(home.snapshot).mtimeMs) / 1000);
  } catch {}
  const version = cached.ok ? cached.value.snapshot.version : null;
  const error = cached.ok || cached.missing ? null : cached.error.message;
  const spool = spoolFileStats(home.data);
  const last = lastRun(home.lastRun);
  if (values.json) {
    const body = {
      running: false,
      snapshot: { version, sync_age_seconds: age, error },
      spool,
      last_run: last ?? null,
    };
    io.stdout(`${JSON.stringify(body, null, 2)}\n`);
    return EXIT.ok;
  }
  const snapshotLine = cached.ok
    ? `${version}, synced ${ago(age)}`
    : cached.missing
      ? 'none (run esper sync)'
      : `refused: ${error}`;
  io.stdout(
    `daemon: not running (${home.dir})\nsnapshot: ${snapshotLine}\n` +
      `spool: ${spool.depth} waiting, ${spool.sent} sent, ${spool.dropped} dropped\n`,
  );
  if (last) {
    io.stdout(
      `last run: pid ${last.pid}, stopped ${last.stopped_at} (${last.reason}); decisions: ${actionsOf(last.decisions, 'none')}\n`,
    );
  }
  return EXIT.ok;
}
