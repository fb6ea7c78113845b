/**
 * Reports local decisions to origin (`POST /api/v1/hybrid/events`) so Results count them like
 * cloud decisions. Never on a request's path: `push` only queues (one array slot, a clock read);
 * a batch is taken off the queue there but built and sent from the next macrotask. Batches
 * leave by size (`batchSize`) or age (`flushMs`); the queue is bounded (`maxQueue`) and what
 * does not fit is dropped and counted, said at most once a minute. A failed batch goes back to
 * the front and is retried with backoff; event ids make a retry of a batch origin already took
 * harmless. The queue holds whatever `send` takes (`T`): wire events, or cheaper records that
 * `send` turns into a body.
 */
import type { Logger } from '@esper/core';
import type { OriginError } from './origin-client.js';
import { backgroundTimer, backoff, type TimerHandle } from './timing.js';

export interface HybridEvent {
  event_id: string;
  observed_at: string;
  decision_id?: string;
  action: 'allow' | 'challenge' | 'block';
  mode: 'live' | 'monitor';
  policy_id?: string;
  mitigation_id?: string;
  request: { method: string; path: string; client_ip?: string };
  latency_us?: number;
}

export interface ReporterOptions<T = HybridEvent> {
  send: (events: T[]) => Promise<unknown>;
  now: () => number;
  random: () => number;
  logger: Logger;
  /** Flush with timers (true) or when a later `push` finds the oldest event due (false). */
  timers: boolean;
  batchSize?: number;
  flushMs?: number;
  maxQueue?: number;
}

export interface ReporterStats {
  queued: number;
  sent: number;
  dropped: number;
}

const DROP_LOG_MS = 60_000;

/** Resolves in a later macrotask: a batch is built and sent after the request that filled it. */
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export class EventReporter<T = HybridEvent> {
  #queue: T[] = [];
  #oldestAt = 0;
  #sending: Promise<void> | undefined;
  #timer: TimerHandle | undefined;
  #failures = 0;
  #retryAt = 0;
  #sent = 0;
  #dropped = 0;
  #droppedUnlogged = 0;
  #lastDropLog = Number.NEGATIVE_INFINITY;
  readonly #batchSize: number;
  readonly #flushMs: number;
  readonly #maxQueue: number;

  readonly #o: ReporterOptions<T>;

  constructor(o: ReporterOptions<T>) {
    this.#o = o;
    this.#batchSize = o.batchSize ?? 100;
    this.#flushMs = o.flushMs ?? 1000;
    this.#maxQueue = o.maxQueue ?? 10_000;
  }

  stats(): ReporterStats {
    return { queued: this.#queue.length, sent: this.#sent, dropped: this.#dropped };
  }

  /** Queues one event; returns a send it started, for the platform's `waitUntil`. */
  push(event: T): Promise<void> | undefined {
    const now = this.#o.now();
    // Drops that came after a notice are said by the next push a minute on, even without more.
    if (this.#droppedUnlogged > 0) this.#noteDrops(now);
    if (this.#queue.length >= this.#maxQueue) {
      this.#drop(1);
    } else {
      if (this.#queue.length === 0) this.#oldestAt = now;
      this.#queue.push(event);
    }
    if (this.#due(now)) return this.flush();
    if (this.#o.timers && this.#timer === undefined) this.#arm(this.#flushMs);
    return undefined;
  }

  /** Sends one batch now if there is one and no send is running. */
  flush(): Promise<void> | undefined {
    if (this.#sending || this.#queue.length === 0) return this.#sending;
    let batch: T[];
    if (this.#queue.length <= this.#batchSize) {
      batch = this.#queue;
      this.#queue = [];
    } else {
      batch = this.#queue.splice(0, this.#batchSize);
      this.#oldestAt = this.#o.now();
    }
    this.#sending = this.#sendBatch(batch).finally(() => {
      this.#sending = undefined;
      this.#afterSend();
    });
    return this.#sending;
  }

  /** Sends everything queued, batch after batch, until done or a batch fails. */
  async drain(): Promise<void> {
    await this.#sending;
    while (this.#queue.length > 0) {
      const before = this.#sent;
      await this.flush();
      if (this.#sent === before) return;
    }
  }

  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #due(now = this.#o.now()): boolean {
    if (this.#queue.length === 0 || this.#sending || now < this.#retryAt) return false;
    return this.#queue.length >= this.#batchSize || now - this.#oldestAt >= this.#flushMs;
  }

  async #sendBatch(batch: T[]): Promise<void> {
    try {
      // Serialising, hashing and posting a batch is for after the request that filled it.
      await nextTask();
      await this.#o.send(batch);
      this.#sent += batch.length;
      this.#failures = 0;
      this.#retryAt = 0;
    } catch (err) {
      this.#failed(batch, err as Error & Partial<OriginError>);
    }
  }

  #failed(batch: T[], err: Error & Partial<OriginError>): void {
    if (err.retryable === false) {
      // Origin refused the batch itself (4xx): sending it again cannot succeed.
      this.#o.logger.error({ err: err.message }, 'esper hybrid: origin refused an event batch');
      this.#drop(batch.length);
      return;
    }
    this.#failures += 1;
    const room = Math.max(0, this.#maxQueue - this.#queue.length);
    if (room < batch.length) this.#drop(batch.length - room);
    this.#queue.unshift(...batch.slice(0, room));
    this.#oldestAt = this.#o.now();
    this.#retryAt = this.#o.now() + backoff(this.#failures, 1000, 60_000, this.#o.random);
    this.#o.logger.warn(
      { err: err.message, failures: this.#failures, queued: this.#queue.length },
      'esper hybrid: event batch not sent; retrying',
    );
  }

  #afterSend(): void {
    if (!this.#o.timers || this.#queue.length === 0) return;
    const wait = Math.max(0, this.#retryAt - this.#o.now());
    this.#arm(this.#queue.length >= this.#batchSize ? wait : Math.max(wait, this.#flushMs));
  }

  #arm(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = backgroundTimer(() => {
      this.#timer = undefined;
      if (this.#due()) void this.flush();
      else if (this.#queue.length > 0) this.#arm(this.#remaining());
    }, ms);
  }

  #remaining(): number {
    const age = this.#oldestAt + this.#flushMs - this.#o.now();
    return Math.max(10, age, this.#retryAt - this.#o.now());
  }

  #drop(count: number): void {
    this.#dropped += count;
    this.#droppedUnlogged += count;
    this.#noteDrops(this.#o.now());
  }

  /** Says what was dropped since the last notice, at most once a minute. */
  #noteDrops(now: number): void {
    if (this.#droppedUnlogged === 0 || now - this.#lastDropLog < DROP_LOG_MS) return;
    this.#lastDropLog = now;
    this.#o.logger.warn(
      { dropped: this.#droppedUnlogged, total: this.#dropped, maxQueue: this.#maxQueue },
      `esper hybrid: event queue full, ${this.#droppedUnlogged} event(s) dropped`,
    );
    this.#droppedUnlogged = 0;
  }
}
