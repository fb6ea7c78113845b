/**
 * Keeps the tenant's snapshot fresh: a first fetch, then `If-None-Match` polls every
 * `pollIntervalMs` (jittered), exponential jittered backoff after a failure. A failed fetch or a
 * snapshot that does not validate leaves the last-known-good in place and says how stale it is.
 * With timers (Node, Lambda) polls run on their own; where timers do not outlive a request
 * (Workers, Vercel Edge) the decider asks `refreshIfDue()` on each request instead.
 */
import type { Logger } from '@esper/core';
import type { PolicyStore } from '@esper/policy';
import type { OriginClient } from './origin-client.js';
import { describeErrors, type LoadedSnapshot, loadSnapshot } from './snapshot.js';
import { backgroundTimer, backoff, jittered, type TimerHandle } from './timing.js';

export interface SyncOptions {
  origin: OriginClient;
  store: PolicyStore;
  now: () => number;
  random: () => number;
  logger: Logger;
  pollIntervalMs: number;
  /** Poll with timers (true) or when a request finds a refresh due (false). */
  timers: boolean;
  /** Called with each new snapshot, once it is whole and compiled. */
  install: (loaded: LoadedSnapshot) => void;
  /** `If-None-Match` before the first fetch: the bootstrap's version, if any. */
  initialEtag?: string;
  /** The version deciding now, if any (for logs and `If-None-Match`). */
  current: () => LoadedSnapshot | undefined;
}

export class SnapshotSync {
  /** Last time origin confirmed the snapshot (200 or 304), in the clock's milliseconds. */
  syncedAt: number | undefined;
  lastError: string | undefined;
  #etag: string | undefined;
  #failures = 0;
  #dueAt = 0;
  #running: Promise<void> | undefined;
  #timer: TimerHandle | undefined;
  #closed = false;
  readonly #settledOnce: Promise<void>;
  #settle!: () => void;

  readonly #o: SyncOptions;

  constructor(o: SyncOptions) {
    this.#o = o;
    this.#etag = o.initialEtag;
    this.#settledOnce = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  /** Resolves once the first sync attempt has finished, successful or not. */
  firstAttempt(): Promise<void> {
    return this.#settledOnce;
  }

  /** Starts a sync when one is due and none is running; returns it so it can be waited on. */
  refreshIfDue(): Promise<void> | undefined {
    if (this.#closed || this.#running || this.#o.now() < this.#dueAt) return undefined;
    return this.start();
  }

  /** Starts a sync now (unless one is running), whatever the schedule says. */
  start(): Promise<void> {
    this.#running ??= this.#syncOnce().finally(() => {
      this.#running = undefined;
      this.#settle();
      this.#schedule();
    });
    return this.#running;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  async #syncOnce(): Promise<void> {
    const { origin, now } = this.#o;
    try {
      const result = await origin.snapshot(this.#o.current() ? this.#etag : undefined);
      if (result !== undefined) this.#take(result.body, result.etag);
      this.syncedAt = now();
      this.#failures = 0;
      this.lastError = undefined;
    } catch (err) {
      this.#fail(err instanceof Error ? err.message : String(err));
    }
  }

  /** Installs a fetched snapshot, or throws (keeping the current one) when it is invalid. */
  #take(body: unknown, etag: string | undefined): void {
    const loaded = loadSnapshot(body, this.#o.store, this.#o.now);
    if (!loaded.ok) throw new Error(`invalid snapshot: ${describeErrors(loaded.errors)}`);
    const previous = this.#o.current()?.snapshot.version;
    this.#o.install(loaded.value);
    this.#etag = etag ?? `"${loaded.value.snapshot.version}"`;
    if (previous !== loaded.value.snapshot.version) {
      this.#o.logger.info(
        { version: loaded.value.snapshot.version, previous },
        'esper hybrid: snapshot installed',
      );
    }
  }

  #fail(message: string): void {
    this.#failures += 1;
    this.lastError = message;
    const current = this.#o.current();
    const staleMs = this.syncedAt === undefined ? undefined : this.#o.now() - this.syncedAt;
    const keeping = current
      ? `deciding with snapshot ${current.snapshot.version}, ${
          staleMs === undefined
            ? 'never confirmed by origin'
            : `last confirmed ${Math.round(staleMs / 1000)} s ago`
        }`
      : 'no snapshot yet: decisions fall back';
    this.#o.logger.warn(
      { err: message, failures: this.#failures, staleMs, version: current?.snapshot.version },
      `esper hybrid: sync failed (${message}); ${keeping}`,
    );
  }

  #schedule(): void {
    const { pollIntervalMs, random } = this.#o;
    const delay =
      this.#failures === 0
        ? jittered(pollIntervalMs, random)
        : backoff(
            this.#failures,
            Math.min(1000, pollIntervalMs),
            Math.max(60_000, pollIntervalMs),
            random,
          );
    this.#dueAt = this.#o.now() + delay;
    this.#arm(delay);
  }

  /** One timer at a time, re-armed when it fires before the wall clock says the poll is due. */
  #arm(delay: number): void {
    if (!this.#o.timers || this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = backgroundTimer(() => {
      this.#timer = undefined;
      if (this.#running) return; // its end schedules the next poll
      const early = this.#dueAt - this.#o.now();
      if (early > 0) this.#arm(early);
      else void this.start();
    }, delay);
  }
}
