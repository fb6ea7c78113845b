/**
 * A shared counter store (Redis, Upstash, a Durable Object) behind a deadline and a circuit
 * breaker. Every call is raced against `timeoutMs` and aborted when it loses; a failure or a
 * timeout rejects with `StoreUnavailableError`, which the decider passes on and core turns into
 * a fallback (fail open or closed per route, reason `store_unavailable`). After half of the
 * last `window` calls failed the breaker opens: calls fail at once, without touching the store,
 * until `probeAfterMs` has passed; then one call probes it, and a success closes the breaker.
 */
import type { PolicyStore, RecordOptions, StoreBatch, StoreBatchResult } from '@esper/policy';

export class StoreUnavailableError extends Error {
  /** What core's local-decider fallback reads to name the decision's reason. */
  readonly failure = 'store_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface StoreGuardOptions {
  /** Longest a store call may take. */
  timeoutMs: number;
  /** Calls remembered; the breaker opens when half of them failed. Default 20. */
  window?: number;
  /** How long an open breaker waits before one call probes the store. Default 5 000. */
  probeAfterMs?: number;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Told when the breaker opens or closes. */
  onStateChange?: (state: BreakerState, reason: string) => void;
}

export interface StoreGuardStatus {
  state: BreakerState;
  /** Failures among the calls remembered. */
  recentFailures: number;
  /** Calls refused without touching the store since creation. */
  shortCircuited: number;
  lastError: string | undefined;
}

export interface GuardedStore extends PolicyStore {
  record(batch: StoreBatch, nowMs: number, options?: RecordOptions): Promise<StoreBatchResult>;
  status(): StoreGuardStatus;
}

/** The breaker alone: ring of the last `window` outcomes, open/half-open/closed. */
class Breaker {
  private readonly ring: boolean[] = [];
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  state: BreakerState = 'closed';
  shortCircuited = 0;
  lastError: string | undefined;

  constructor(
    private readonly size: number,
    private readonly probeAfterMs: number,
    private readonly now: () => number,
    private readonly onChange: StoreGuardOptions['onStateChange'],
  ) {}

  get recentFailures(): number {
    return this.failures;
  }

  /** Whether a call may go to the store now; `probe` when it is the half-open probe. */
  admit(): { probe: boolean } | undefined {
    if (this.state === 'closed') return { probe: false };
    if (this.state === 'open' && this.now() - this.openedAt >= this.probeAfterMs) {
      this.state = 'half-open';
    }
    if (this.state === 'half-open' && !this.probing) {
      this.probing = true;
      return { probe: true };
    }
    this.shortCircuited++;
    return undefined;
  }

  succeeded(probe: boolean): void {
    if (probe) {
      this.probing = false;
      this.ring.length = 0;
      this.failures = 0;
      this.lastError = undefined;
      this.change('closed', 'probe succeeded');
      return;
    }
    if (this.state === 'closed') this.push(false);
  }

  failed(probe: boolean, message: string): void {
    this.lastError = message;
    if (probe) {
      this.probing = false;
      this.open('probe failed');
      return;
    }
    if (this.state !== 'closed') return;
    this.push(true);
    if (this.failures * 2 >= this.size)
      this.open(`${this.failures} of the last ${this.size} calls failed`);
  }

  private push(failed: boolean): void {
    this.ring.push(failed);
    if (failed) this.failures++;
    if (this.ring.length > this.size && this.ring.shift()) this.failures--;
  }

  private open(reason: string): void {
    this.openedAt = this.now();
    this.change('open', reason);
  }

  private change(state: BreakerState, reason: string): void {
    if (this.state === state && state !== 'open') return;
    this.state = state;
    try {
      this.onChange?.(state, reason);
    } catch {}
  }
}

/** Wraps `store`: every call bounded, aborted when late, and refused while the breaker is open. */
export function guardStore(store: PolicyStore, options: StoreGuardOptions): GuardedStore {
  const { timeoutMs } = options;
  const breaker = new Breaker(
    options.window ?? 20,
    options.probeAfterMs ?? 5_000,
    options.now ?? Date.now,
    options.onStateChange,
  );

  function guarded<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const admitted = breaker.admit();
    if (!admitted) {
      return Promise.reject(
        new StoreUnavailableError(`store circuit open (${breaker.lastError ?? 'failing'})`),
      );
    }
    const controller = new AbortController();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        const message = `store call timed out after ${timeoutMs} ms`;
        breaker.failed(admitted.probe, message);
        controller.abort(new StoreUnavailableError(message));
        reject(new StoreUnavailableError(message));
      }, timeoutMs);
      let work: Promise<T>;
      try {
        work = Promise.resolve(call(controller.signal));
      } catch (err) {
        work = Promise.reject(err);
      }
      // A late answer or failure lands on a settled promise: never an unhandled rejection.
      work.then(
        (value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          breaker.succeeded(admitted.probe);
          resolve(value);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const message = err instanceof Error ? err.message : String(err);
          breaker.failed(admitted.probe, message);
          reject(new StoreUnavailableError(`store call failed: ${message}`, { cause: err }));
        },
      );
    });
  }

  const record = store.record?.bind(store);
  return {
    incrementWindow: (key, windowSeconds, nowMs) =>
      guarded(() => store.incrementWindow(key, windowSeconds, nowMs)),
    countWindow: (key, windowSeconds, nowMs) =>
      guarded(() => store.countWindow(key, windowSeconds, nowMs)),
    getState: (scope, key, field) => guarded(() => store.getState(scope, key, field)),
    setState: (scope, key, field, value) => guarded(() => store.setState(scope, key, field, value)),
    // A store without `record` still makes one guarded call per key.
    record: record
      ? (batch, nowMs) => guarded((signal) => record(batch, nowMs, { signal }))
      : (batch, nowMs) =>
          guarded(async () => {
            const counts = await Promise.all(
              batch.windows.map((w) => store.incrementWindow(w.key, w.windowSeconds, nowMs)),
            );
            const state = await Promise.all(
              batch.state.map((r) => store.getState(r.scope, r.key, r.field)),
            );
            return { counts, state };
          }),
    status: () => ({
      state: breaker.state,
      recentFailures: breaker.recentFailures,
      shortCircuited: breaker.shortCircuited,
      lastError: breaker.lastError,
    }),
  };
}
