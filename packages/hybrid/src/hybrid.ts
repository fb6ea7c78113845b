/**
 * `createHybrid`: the local decider core's `createEsper({ decider })` takes, kept fed by a
 * snapshot sync and reporting every decision to origin.
 */
import { EsperConfigError, type LocalDecider, type RuntimeRequestBody } from '@esper/core';
import { createMemoryStore, type PolicyStore } from '@esper/policy';
import { originChallengePage } from './clearance-challenge.js';
import { decideWith } from './decide.js';
import {
  type EventRecord,
  eventBodies,
  eventIdPrefix,
  eventRecord,
  MAX_BATCH_EVENTS,
} from './events.js';
import { type HybridOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { createOriginClient, type OriginClient } from './origin-client.js';
import { EventReporter, type ReporterStats } from './reporter.js';
import { describeErrors, type LoadedSnapshot, loadSnapshot } from './snapshot.js';
import { guardStore, type StoreGuardStatus } from './store-guard.js';
import { SnapshotSync } from './sync.js';
import { detach } from './timing.js';

/**
 * What core may pass a decider besides the body. Core does not pass it yet (see the README):
 * until it does, background work is a floating promise, which Node and Lambda finish anyway.
 */
export interface DecideContext {
  waitUntil?: (promise: Promise<unknown>) => void;
}

export interface HybridDecider extends LocalDecider {
  decide(body: RuntimeRequestBody, context?: DecideContext): Promise<unknown>;
}

export interface HybridStatus {
  /** Version of the snapshot deciding now; undefined before any. */
  version: string | undefined;
  /** Where it came from. */
  source: 'origin' | 'bootstrap' | undefined;
  /** Last time origin confirmed it (200 or 304), clock milliseconds. */
  syncedAt: number | undefined;
  /** Why the last sync failed; cleared by the next success. */
  lastError: string | undefined;
  /** No confirmation from origin for over 3 poll intervals (or never). */
  stale: boolean;
  events: ReporterStats;
  /** The `store` option's breaker; absent with the default in-memory store. */
  store?: StoreGuardStatus;
}

export interface Hybrid {
  decider: HybridDecider;
  /**
   * Resolves once the first sync attempt has finished and a snapshot decides (from origin, or
   * the bootstrap when origin failed); rejects when that attempt failed with nothing to decide.
   */
  ready(): Promise<void>;
  status(): HybridStatus;
  /** Stops polling and sends what the reporter holds (best effort). */
  close(): Promise<void>;
}

function uuid(crypto: ResolvedOptions['crypto']): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const perfNow: () => number =
  typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

function loadBootstrap(json: unknown, store: PolicyStore, now: () => number) {
  if (json === undefined) return undefined;
  const loaded = loadSnapshot(json, store, now);
  if (!loaded.ok) throw new EsperConfigError('bootstrap', describeErrors(loaded.errors));
  return loaded.value;
}

export function createHybrid(options: HybridOptions): Hybrid {
  const o = resolveOptions(options);
  const guarded = options.store && guardStore(options.store, storeGuardOptions(o));
  const store = guarded || createMemoryStore();
  // The one mutable reference: a decision reads it once, a sync replaces it whole.
  let current: LoadedSnapshot | undefined = loadBootstrap(options.bootstrap, store, o.now);
  let source: HybridStatus['source'] = current ? 'bootstrap' : undefined;
  const origin = createOriginClient({ ...o, timeoutMs: o.syncTimeoutMs });
  const sync = new SnapshotSync({
    ...o,
    origin,
    store,
    initialEtag: current ? (options.bootstrapEtag ?? `"${current.snapshot.version}"`) : undefined,
    current: () => current,
    install: (loaded) => {
      current = loaded;
      source = 'origin';
    },
  });
  const reporter = createReporter(o, origin, options.reportEvents ?? true);
  if (o.timers) detach(sync.start());
  return {
    decider: createDecider({ o, options, sync, reporter, current: () => current }),
    async ready() {
      if (!o.timers) background(sync.refreshIfDue(), undefined);
      await sync.firstAttempt();
      if (!current) throw new Error(`esper hybrid: no snapshot (${sync.lastError ?? 'unknown'})`);
    },
    status: () => ({
      version: current?.snapshot.version,
      source,
      syncedAt: sync.syncedAt,
      lastError: sync.lastError,
      stale: sync.syncedAt === undefined || o.now() - sync.syncedAt > 3 * o.pollIntervalMs,
      events: reporter?.stats() ?? { queued: 0, sent: 0, dropped: 0 },
      ...(guarded && { store: guarded.status() }),
    }),
    async close() {
      sync.close();
      reporter?.close();
      await reporter?.drain();
    },
  };
}

function storeGuardOptions(o: ResolvedOptions) {
  return {
    timeoutMs: o.storeTimeoutMs,
    ...o.storeBreaker,
    onStateChange: (state: string, reason: string) =>
      o.logger[state === 'open' ? 'warn' : 'info'](
        { state, reason },
        `esper: store circuit ${state}`,
      ),
  };
}

interface DeciderDeps {
  o: ResolvedOptions;
  options: HybridOptions;
  sync: SnapshotSync;
  reporter: EventReporter<EventRecord> | undefined;
  current: () => LoadedSnapshot | undefined;
}

function createDecider({ o, options, sync, reporter, current }: DeciderDeps): HybridDecider {
  // Event ids are the reporter's prefix and this counter (see `eventIdPrefix`).
  let seq = 0;
  // Clearances verify with the snapshot's keys; a challenge goes to origin's hosted page
  // unless the user's `challengeUrl` says where.
  const deps = {
    crypto: o.crypto,
    originPage: options.challengeUrl
      ? undefined
      : originChallengePage(o.apiBase, o.secret, o.crypto),
  };
  return {
    async decide(body, context) {
      const started = perfNow();
      // Where timers do not outlive a request, requests are what keep the snapshot fresh.
      background(sync.refreshIfDue(), context);
      const loaded = current();
      if (!loaded) throw new Error('no snapshot yet: the first sync has not succeeded');
      const id = `dec_hyb_${uuid(o.crypto).replaceAll('-', '')}`;
      const url = options.challengeUrl?.(id, body);
      const answer = await decideWith(loaded, body, id, o.now(), url, deps);
      if (reporter) {
        const latencyUs = Math.round((perfNow() - started) * 1000);
        const record = eventRecord(seq++, body.observed_at, body.request, answer, latencyUs);
        const sending = reporter.push(record);
        if (sending) background(sending, context);
      }
      return answer;
    },
  };
}

function createReporter(o: ResolvedOptions, origin: OriginClient, enabled: boolean) {
  if (!enabled) return undefined;
  const prefix = eventIdPrefix(o.crypto);
  return new EventReporter<EventRecord>({
    // One JSON body per batch (two only past 1 MiB); a retry of a part origin took is harmless.
    send: async (records) => {
      for (const body of eventBodies(prefix, records)) await origin.events(body);
    },
    now: o.now,
    random: o.random,
    logger: o.logger,
    timers: o.timers,
    // Columnar batches of 2,500: at 5,000 decisions/s two POSTs a second (see MAX_BATCH_EVENTS).
    batchSize: MAX_BATCH_EVENTS,
  });
}

/** Background work goes to the platform's `waitUntil` when there is one, else floats. */
function background(work: Promise<unknown> | undefined, context: DecideContext | undefined): void {
  if (!work) return;
  detach(work);
  try {
    context?.waitUntil?.(work);
  } catch {
    // Some platforms refuse waitUntil outside a request; the work still runs.
  }
}
