/**
 * Remembers idempotency keys per API key for exactly as long as the signed call that carried
 * them could still be verified, so a captured call cannot be sent twice. Keys expire by time
 * only: forgetting one early (say, to make room) would reopen the replay. Memory is bounded by
 * refusing new calls while the remembered ones are all live (`full`), never by forgetting.
 *
 * Expiry times follow the clients' timestamps, so they do not arrive in order; keys are filed
 * in one-second buckets by expiry, and a sweep drops whole buckets once they have passed.
 */
export type ReplayVerdict = 'ok' | 'replayed' | 'full';

const BUCKET_MS = 1000;

/**
 * About 3,300 calls a second per API key sustained over the 300 s window, in roughly 150 MB at
 * most; past it calls are refused (429 replay_capacity), never a key forgotten.
 */
export const DEFAULT_MAX_REPLAY_ENTRIES = 1_000_000;

interface KeySpace {
  expiresAt: Map<string, number>;
  /** Bucket number (expiry / BUCKET_MS) → keys filed there. */
  buckets: Map<number, string[]>;
  nextSweep: number;
}

export class ReplayGuard {
  private readonly spaces = new Map<string, KeySpace>();

  constructor(
    private readonly toleranceMs: number,
    readonly maxEntries: number,
  ) {}

  /**
   * `ok` (and remembers the key), `replayed` when it is remembered, or `full` when this API key
   * already has `maxEntries` live keys. `timestampMs` is the verified signature timestamp.
   */
  admit(apiKey: string, idempotencyKey: string, timestampMs: number, nowMs: number): ReplayVerdict {
    let space = this.spaces.get(apiKey);
    if (!space) {
      space = { expiresAt: new Map(), buckets: new Map(), nextSweep: 0 };
      this.spaces.set(apiKey, space);
    }
    const known = space.expiresAt.get(idempotencyKey);
    if (known !== undefined && known > nowMs) return 'replayed';
    if (nowMs >= space.nextSweep || space.expiresAt.size >= this.maxEntries) sweep(space, nowMs);
    if (known === undefined && space.expiresAt.size >= this.maxEntries) return 'full';
    // Timestamps are whole seconds and checked against the clock's whole seconds, so a call
    // verifies until the end of second timestamp + tolerance.
    const expiresAt = Math.max(nowMs, timestampMs + this.toleranceMs + 1000);
    space.expiresAt.set(idempotencyKey, expiresAt);
    const bucket = Math.floor(expiresAt / BUCKET_MS);
    const filed = space.buckets.get(bucket);
    if (filed) filed.push(idempotencyKey);
    else space.buckets.set(bucket, [idempotencyKey]);
    return 'ok';
  }

  /** Kept for callers of the boolean form: false for a replay and when full. */
  check(apiKey: string, idempotencyKey: string, timestampMs: number, nowMs: number): boolean {
    return this.admit(apiKey, idempotencyKey, timestampMs, nowMs) === 'ok';
  }

  /**
   * Whole seconds (at least 1) until the earliest bucket of `apiKey`'s keys has passed; read
   * from the buckets (a few hundred at most), not the keys, as it is asked when full.
   */
  retryAfterSeconds(apiKey: string, nowMs: number): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const bucket of this.spaces.get(apiKey)?.buckets.keys() ?? []) {
      earliest = Math.min(earliest, bucket);
    }
    if (!Number.isFinite(earliest)) return 1;
    return Math.max(1, Math.ceil(((earliest + 1) * BUCKET_MS - nowMs) / 1000));
  }

  /** Number of remembered keys, for tests of the memory bound. */
  size(apiKey?: string): number {
    if (apiKey !== undefined) return this.spaces.get(apiKey)?.expiresAt.size ?? 0;
    let n = 0;
    for (const space of this.spaces.values()) n += space.expiresAt.size;
    return n;
  }

  clear(): void {
    this.spaces.clear();
  }
}

function sweep(space: KeySpace, nowMs: number): void {
  const current = Math.floor(nowMs / BUCKET_MS);
  for (const [bucket, keys] of space.buckets) {
    if (bucket > current) continue;
    // The current second's bucket is only partly expired: keep the keys still live in it.
    const kept: string[] = [];
    for (const key of keys) {
      // A key may have expired and come back since; only its latest expiry counts.
      const expiresAt = space.expiresAt.get(key);
      if (expiresAt === undefined) continue;
      if (expiresAt <= nowMs) space.expiresAt.delete(key);
      else if (bucket === current && Math.floor(expiresAt / BUCKET_MS) === bucket) kept.push(key);
    }
    if (kept.length > 0) space.buckets.set(bucket, kept);
    else space.buckets.delete(bucket);
  }
  space.nextSweep = (current + 1) * BUCKET_MS;
}
