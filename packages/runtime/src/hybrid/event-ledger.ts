/**
 * Event ids a tenant's hybrid runtimes have reported, remembered for at least 24 h so that a
 * batch sent again (a lost response, a daemon restart) counts nothing twice. Memory is bounded
 * by refusing batches while it is full (429), never by forgetting an id early, which would let
 * a resent event count twice.
 *
 * An id expires `retention` after the later of now and its `observed_at`; since events are only
 * accepted up to `retention` after they were observed, an event can never be accepted again
 * once its id is forgotten. Ids are kept in insertion order, which is expiry order up to the
 * clock skew allowed on `observed_at`, so a sweep drops from the front until a live id.
 */

/** 24 hours. */
export const EVENT_RETENTION_MS = 24 * 3600 * 1000;

/** Event ids remembered per tenant by default: ~11.5 events a second sustained over 24 h. */
export const DEFAULT_MAX_EVENT_IDS = 1_000_000;

export type LedgerVerdict =
  | { ok: true; fresh: boolean[]; duplicates: number }
  | { ok: false; retryAfterSeconds: number };

export class EventLedger {
  private readonly spaces = new Map<string, Map<string, number>>();

  constructor(
    readonly maxEntries: number = DEFAULT_MAX_EVENT_IDS,
    readonly retentionMs: number = EVENT_RETENTION_MS,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new Error('maxEventIds must be a positive integer');
    }
  }

  /**
   * Whether each event is new (not remembered, and not earlier in the same batch). All or
   * nothing: either every new id is remembered, or none is and the verdict says when to retry.
   */
  admit(
    space: string,
    events: ReadonlyArray<{ id: string; observedAtMs: number }>,
    nowMs: number,
  ): LedgerVerdict {
    let ids = this.spaces.get(space);
    if (!ids) {
      ids = new Map();
      this.spaces.set(space, ids);
    }
    sweep(ids, nowMs);
    const inBatch = new Set<string>();
    const fresh = events.map((e) => {
      const isNew = !ids.has(e.id) && !inBatch.has(e.id);
      inBatch.add(e.id);
      return isNew;
    });
    const added = fresh.filter(Boolean).length;
    if (ids.size + added > this.maxEntries) {
      const first = ids.values().next();
      const waitMs = first.done ? 1000 : first.value - nowMs;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    events.forEach((e, i) => {
      if (fresh[i]) ids.set(e.id, Math.max(nowMs, e.observedAtMs) + this.retentionMs);
    });
    return { ok: true, fresh, duplicates: events.length - added };
  }

  /** Ids remembered for `space` (expired ones included until swept). */
  size(space: string): number {
    return this.spaces.get(space)?.size ?? 0;
  }

  clear(): void {
    this.spaces.clear();
  }
}

function sweep(ids: Map<string, number>, nowMs: number): void {
  for (const [id, expiresAt] of ids) {
    if (expiresAt > nowMs) return;
    ids.delete(id);
  }
}
