/**
 * Remembers idempotency keys per API key for as long as the request that carried them could
 * still pass the timestamp check, so a captured request cannot be sent twice. Memory is
 * bounded: expired keys are swept on insert and, past `maxEntries`, the oldest are evicted
 * (a Map iterates in insertion order).
 */
export class ReplayGuard {
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(
    private readonly toleranceMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Returns false when the key was already seen; otherwise remembers it. */
  check(apiKey: string, idempotencyKey: string, timestampMs: number, nowMs: number): boolean {
    let keys = this.seen.get(apiKey);
    if (!keys) {
      keys = new Map();
      this.seen.set(apiKey, keys);
    }
    const expiresAt = keys.get(idempotencyKey);
    if (expiresAt !== undefined && expiresAt > nowMs) return false;
    // The signature stays valid until timestamp + tolerance, which may be later than now.
    keys.delete(idempotencyKey);
    keys.set(idempotencyKey, Math.max(nowMs, timestampMs) + this.toleranceMs);
    this.sweep(keys, nowMs);
    return true;
  }

  /** Number of remembered keys, for tests of the memory bound. */
  size(apiKey?: string): number {
    if (apiKey !== undefined) return this.seen.get(apiKey)?.size ?? 0;
    let n = 0;
    for (const keys of this.seen.values()) n += keys.size;
    return n;
  }

  clear(): void {
    this.seen.clear();
  }

  private sweep(keys: Map<string, number>, nowMs: number): void {
    for (const [key, expiresAt] of keys) {
      if (keys.size <= this.maxEntries && expiresAt > nowMs) break;
      // Expiry times are not strictly ordered (they follow the client's timestamps), so an
      // unexpired entry may sit in front of expired ones; the size bound still holds.
      keys.delete(key);
    }
  }
}
