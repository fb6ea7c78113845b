/**
 * `esper run`: the hybrid runtime as a long-running process. Takes the data directory's lock,
 * starts deciding from the cached snapshot (re-syncing a cache it refuses), keeps syncing with
 * `@esper/hybrid`, serves the mitigation endpoint on `runtime.xml`'s listen address, spools and
 * reports every decision, and on SIGTERM drains in-flight calls and flushes the spool.
 */
import { rmSync } from 'node:fs';
import { createHybrid, type Hybrid, SNAPSHOT_PATH, validateSnapshot } from '@esper/hybrid';
import { consoleRoutes } from '../console/routes.js';
import { type ListeningServer, listen } from '../server/listen.js';
import { createDaemonApp, type DaemonStats } from './app.js';
import { writeFileAtomic } from './atomic.js';
import { cachedEtag, readCache, writeCache } from './cache.js';
import { DaemonActivity, daemonConsoleSource, newConsoleToken } from './console-source.js';
import { type RuntimeSettings, readSettings } from './files.js';
import { type EsperHome, ensureHomeDirs } from './home.js';
import { acquireLock } from './lock.js';
import { createFileLogger, type FileLogger } from './log.js';
import { originCalls } from './origin.js';
import { Shipper } from './shipper.js';
import { Spool } from './spool.js';
import { type DaemonStore, openStore, type StoreStatus } from './store.js';

export const DAEMON_VERSION = '0.1.0';

export interface DaemonOptions {
  home: EsperHome;
  /** Overrides runtime.xml's listen port (`esper run --port`; 0 picks a free one). */
  port?: number;
  /** Echo log lines (`esper run --verbose`). */
  echo?: (line: string) => void;
  /** Time between spool sends. Default 1000. */
  reportIntervalMs?: number;
}

export interface DaemonStatus {
  pid: number;
  version: string;
  url: string;
  started_at: string;
  enforcement: string;
  /** runtime.xml's `<store>` (a Redis URL without its password) and its circuit breaker. */
  store: StoreStatus;
  snapshot: {
    version: string | null;
    synced_at: string | null;
    sync_age_seconds: number | null;
    last_error: string | null;
    stale: boolean;
  };
  spool: { depth: number; sent: number; dropped: number; last_error: string | null };
  decisions: DaemonStats['decisions'];
  policies: DaemonStats['policies'];
  refused: number;
  not_ready: number;
}

export interface RunningDaemon {
  url: string;
  status(): DaemonStatus;
  /** The SIGTERM path: stop accepting, drain, flush and send the spool, release the lock. */
  shutdown(reason: string): Promise<void>;
}

/** `createHybrid`'s fetch, teeing every snapshot origin serves (200, valid) into the cache. */
function cachingFetch(cacheFile: string, logger: FileLogger): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (res.status === 200 && url.pathname.endsWith(SNAPSHOT_PATH)) {
      const json = await res
        .clone()
        .json()
        .catch(() => undefined);
      const checked = validateSnapshot(json);
      if (checked.ok) {
        writeCache(cacheFile, json, res.headers.get('etag') ?? undefined);
        logger.info({ version: checked.value.version }, 'snapshot cached');
      }
    }
    return res;
  };
}

/** The cached snapshot and the ETag origin served it with, as `createHybrid` options. */
function loadBootstrap(
  home: EsperHome,
  logger: FileLogger,
): { bootstrap?: unknown; bootstrapEtag?: string } {
  const cached = readCache(home.snapshot);
  if (cached.ok) {
    const { json, snapshot } = cached.value;
    return { bootstrap: json, bootstrapEtag: cachedEtag(home.snapshot, snapshot) };
  }
  if (!cached.missing) {
    logger.warn(
      {
        file: cached.error.file,
        line: cached.error.line,
        field: cached.error.field,
        problem: cached.error.problem,
      },
      'cached snapshot refused; syncing it again',
    );
    rmSync(home.snapshot, { force: true });
  }
  return {};
}

export async function startDaemon(o: DaemonOptions): Promise<RunningDaemon> {
  const { home } = o;
  const settings = readSettings(home);
  ensureHomeDirs(home);
  const release = acquireLock(home.lock);
  try {
    return await startLocked(o, settings, release);
  } catch (err) {
    release();
    throw err;
  }
}

async function startLocked(
  o: DaemonOptions,
  settings: ReturnType<typeof readSettings>,
  release: () => void,
): Promise<RunningDaemon> {
  const { home } = o;
  const { config, credentials, runtime } = settings;
  const logger = createFileLogger(home.logs, {
    maxBytes: runtime.limits.logMaxBytes,
    files: runtime.limits.logFiles,
    echo: o.echo,
  });
  const counters: DaemonStore = openStore(runtime.store, logger);
  const hybrid: Hybrid = createHybrid({
    apiKey: credentials.apiKey,
    secret: credentials.secret,
    apiBase: config.apiBase,
    ...loadBootstrap(home, logger),
    pollIntervalMs: config.syncIntervalSeconds * 1000,
    refresh: 'timers',
    reportEvents: false,
    logger,
    fetch: cachingFetch(home.snapshot, logger),
    ...(counters.store && { store: counters.store }),
  });
  const spool = new Spool(home.data, runtime.limits.spoolMaxEvents);
  const shipper = new Shipper({
    spool,
    origin: originCalls(config, credentials),
    logger,
    intervalMs: o.reportIntervalMs,
  });
  const flusher = setInterval(() => spool.queued() > 0 && spool.flush('background'), 25);
  const stats: DaemonStats = { decisions: {}, policies: {}, refused: 0, notReady: 0 };
  let accepting = true;
  let server: ListeningServer | undefined;
  const startedAt = new Date().toISOString();
  const status = () =>
    statusOf({
      hybrid,
      spool,
      shipper,
      stats,
      startedAt,
      runtime,
      counters,
      url: server?.url ?? '',
    });
  const key = { apiKey: credentials.apiKey, secret: credentials.secret, tenantId: config.tenantId };
  const activity = new DaemonActivity();
  const deps = { key, hybrid, spool, runtime, logger, stats, activity, status };
  const app = createDaemonApp({ ...deps, accepting: () => accepting });
  const source = daemonConsoleSource({
    activity,
    hybrid,
    spool: () => spool.stats(),
    snapshotFile: home.snapshot,
    apiBase: config.apiBase,
    tenantId: config.tenantId,
    enforcement: runtime.enforcement,
  });
  consoleRoutes(app, { source, adminToken: newConsoleToken(home.consoleToken), path: '/console' });
  try {
    server = await listen(app.fetch, {
      host: runtime.listen.host,
      port: o.port ?? runtime.listen.port,
    });
  } catch (err) {
    // Nothing may keep the process alive once the command has failed.
    clearInterval(flusher);
    await hybrid.close();
    await counters.close();
    spool.close();
    throw new Error(
      `cannot listen on ${runtime.listen.host}:${o.port ?? runtime.listen.port} (runtime.xml listen): ${(err as Error).message}`,
    );
  }
  writeFileAtomic(
    home.daemonState,
    JSON.stringify({ pid: process.pid, url: server.url, started_at: startedAt }),
    0o600,
  );
  shipper.start();
  // The first sync decides readiness; a failure with a cached snapshot is only logged.
  hybrid
    .ready()
    .catch((err: Error) =>
      logger.warn({ err: err.message }, 'not ready: no snapshot to decide with'),
    );
  logger.info({ url: server.url, tenant: config.tenantId, pid: process.pid }, 'esper run started');

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      accepting = false;
      logger.info({ reason }, 'shutting down: draining');
      await drainServer(server as ListeningServer, runtime.limits.shutdownTimeoutMs);
      clearInterval(flusher);
      spool.flush();
      await shipper.drain(runtime.limits.shutdownTimeoutMs);
      await hybrid.close();
      await counters.close();
      spool.close();
      logger.info({ spooled: spool.depth() }, 'stopped');
      const last = { ...status(), stopped_at: new Date().toISOString(), reason };
      writeFileAtomic(home.lastRun, JSON.stringify(last), 0o600);
      rmSync(home.daemonState, { force: true });
      release();
    })();
    return stopping;
  };
  return { url: server.url, status, shutdown };
}

interface StatusParts {
  hybrid: Hybrid;
  spool: Spool;
  shipper: Shipper;
  stats: DaemonStats;
  startedAt: string;
  runtime: RuntimeSettings;
  counters: DaemonStore;
  url: string;
}

function statusOf(p: StatusParts): DaemonStatus {
  const h = p.hybrid.status();
  const s = p.spool.stats();
  return {
    pid: process.pid,
    version: DAEMON_VERSION,
    url: p.url,
    started_at: p.startedAt,
    enforcement: p.runtime.enforcement,
    store: p.counters.status(p.hybrid),
    snapshot: {
      version: h.version ?? null,
      synced_at: h.syncedAt === undefined ? null : new Date(h.syncedAt).toISOString(),
      sync_age_seconds:
        h.syncedAt === undefined ? null : Math.round((Date.now() - h.syncedAt) / 1000),
      last_error: h.lastError ?? null,
      stale: h.stale,
    },
    spool: {
      depth: s.depth,
      sent: s.sent,
      dropped: s.dropped,
      last_error: p.shipper.lastError ?? null,
    },
    decisions: { ...p.stats.decisions },
    policies: { ...p.stats.policies },
    refused: p.stats.refused,
    not_ready: p.stats.notReady,
  };
}

/** Stops accepting, lets calls in flight finish (up to `timeoutMs`), then closes every socket. */
async function drainServer(server: ListeningServer, timeoutMs: number): Promise<void> {
  server.server.close();
  server.server.closeIdleConnections?.();
  const end = Date.now() + timeoutMs;
  while (server.busyConnections() > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 10));
    server.server.closeIdleConnections?.();
  }
  await server.close();
}
