/**
 * Sends the spool to origin's `POST /api/v1/hybrid/events`, one batch at a time, oldest first.
 * A batch is confirmed in the spool only after origin answered 200; a timeout, a 5xx or a
 * refused connection keeps it and retries with doubling backoff (the same event ids, so origin
 * counts each once). `429` waits `Retry-After`; `400` (origin will never take the batch) drops
 * it with a count; other 4xx (a revoked key) keep it and retry slowly.
 */
import type { Logger } from '@esper/core';
import { OriginError } from '@esper/hybrid';
import { EVENT_RETENTION_MS } from '../hybrid/event-ledger.js';
import type { OriginCalls } from './origin.js';
import type { Spool } from './spool.js';

export interface ShipperOptions {
  spool: Spool;
  origin: OriginCalls;
  logger: Logger;
  /** Time between spool flushes and sends while events come in. Default 1000. */
  intervalMs?: number;
  now?: () => number;
}

// A margin so an event is not refused as too old while its batch travels.
const MAX_AGE_MS = EVENT_RETENTION_MS - 60_000;

export class Shipper {
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private failures = 0;
  private waitUntil = 0;
  private closed = false;
  lastError: string | undefined;
  lastSentAt: number | undefined;

  constructor(private readonly o: ShipperOptions) {}

  start(): void {
    const interval = this.o.intervalMs ?? 1000;
    this.timer = setInterval(() => void this.tick(), interval);
    this.timer.unref();
  }

  /** Flushes the spool and, unless backing off, sends what is pending. */
  tick(): Promise<void> {
    // The fsync off the event loop: a batch may leave before its events are on disk, which
    // loses nothing (origin has them) and counts nothing twice (it knows their ids).
    this.o.spool.flush('background');
    if (this.sending || this.closed) return this.sending ?? Promise.resolve();
    if (Date.now() < this.waitUntil) return Promise.resolve();
    this.sending = this.sendAll().finally(() => {
      this.sending = undefined;
    });
    return this.sending;
  }

  private async sendAll(): Promise<void> {
    const now = this.o.now ?? Date.now;
    const expired = (e: { observed_at?: string }) =>
      now() - Date.parse(e.observed_at ?? '') > MAX_AGE_MS;
    for (;;) {
      const batch = this.o.spool.nextBatch(expired);
      if (!batch) return;
      try {
        const answer = await this.o.origin.events(batch.body);
        this.o.spool.confirm(batch, batch.count, 'sent');
        this.failures = 0;
        this.lastError = undefined;
        this.lastSentAt = now();
        this.o.logger.info({ ...answer, events: batch.count }, 'events sent');
      } catch (err) {
        this.handleFailure(batch, err);
        return;
      }
    }
  }

  private handleFailure(
    batch: { count: number; end: number; body: string; expired: number },
    err: unknown,
  ) {
    const message = err instanceof Error ? err.message : String(err);
    this.lastError = message;
    if (err instanceof OriginError && err.status === 400) {
      this.o.spool.confirm(batch, batch.count, 'dropped');
      this.o.logger.error(
        { err: message, events: batch.count },
        'events refused by origin: dropped',
      );
      return;
    }
    this.failures += 1;
    let delay = Math.min(30_000, 500 * 2 ** (this.failures - 1));
    if (err instanceof OriginError && err.retryAfterSeconds !== undefined)
      delay = err.retryAfterSeconds * 1000;
    this.waitUntil = Date.now() + delay * (0.8 + Math.random() * 0.4);
    this.o.logger.warn(
      {
        err: message,
        failures: this.failures,
        retryInMs: Math.round(delay),
        spooled: this.o.spool.depth(),
      },
      'events not sent; kept in the spool',
    );
  }

  /**
   * Stops the timer, then sends what is pending until it is all confirmed or `deadlineMs`
   * passes; what is left stays in the spool for the next start.
   */
  async drain(deadlineMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const end = Date.now() + deadlineMs;
    await this.sending;
    this.waitUntil = 0;
    while (this.o.spool.depth() > 0 && Date.now() < end) {
      this.waitUntil = 0;
      await this.tick();
      if (this.o.spool.depth() > 0)
        await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, end - Date.now()))));
    }
    this.closed = true;
    this.o.spool.flush();
  }
}
