import type { PolicyStore } from './store.js';
import type { Scope } from './types.js';

export interface MemoryStoreOptions {
  /** Most keys (window counters and state records together) kept; least recently used go first. */
  maxKeys?: number;
  /** Sub-buckets per window; a window is exact to within one bucket (1 s of a 60 s window). */
  buckets?: number;
  /** Most fields per state record. */
  maxStateFields?: number;
}

export interface MemoryStore extends PolicyStore {
  record: NonNullable<PolicyStore['record']>;
  /** Keys currently held; never more than `maxKeys`. */
  readonly size: number;
  readonly maxKeys: number;
}

interface WindowEntry {
  kind: 'window';
  counts: Uint32Array;
  /** Which bucket number each slot currently holds; a slot from an older lap reads as 0. */
  stamps: Float64Array;
}

interface StateEntry {
  kind: 'state';
  fields: Map<string, string>;
}

/**
 * An in-process store for tests, development and single-instance runtimes. Memory is
 * bounded twice over: at most `maxKeys` entries (LRU eviction) and a fixed-size ring of
 * sub-buckets per window counter, so an attacker rotating through IPs cannot grow it.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = options.buckets ?? 60;
  const maxStateFields = options.maxStateFields ?? 64;
  if (!(Number.isInteger(maxKeys) && maxKeys > 0)) throw new RangeError('maxKeys must be > 0');
  if (!(Number.isInteger(buckets) && buckets > 0)) throw new RangeError('buckets must be > 0');

  // A Map iterates in insertion order; re-inserting on use makes its first key the LRU one.
  const entries = new Map<string, WindowEntry | StateEntry>();

  function touch<T extends WindowEntry | StateEntry>(key: string, entry: T): T {
    entries.delete(key);
    entries.set(key, entry);
    return entry;
  }

  function insert<T extends WindowEntry | StateEntry>(key: string, entry: T): T {
    entries.set(key, entry);
    while (entries.size > maxKeys) {
      const oldest = entries.keys().next().value as string;
      entries.delete(oldest);
    }
    return entry;
  }

  function windowEntry(key: string, create: boolean): WindowEntry | undefined {
    const found = entries.get(key);
    if (found?.kind === 'window') return touch(key, found);
    if (!create) return undefined;
    return insert(key, {
      kind: 'window',
      counts: new Uint32Array(buckets),
      stamps: new Float64Array(buckets).fill(-1),
    });
  }

  function sum(entry: WindowEntry, bucket: number): number {
    let total = 0;
    const oldest = bucket - buckets;
    for (let i = 0; i < buckets; i++) {
      const stamp = entry.stamps[i] as number;
      if (stamp > oldest && stamp <= bucket) total += entry.counts[i] as number;
    }
    return total;
  }

  const bucketOf = (windowSeconds: number, nowMs: number) =>
    Math.floor(nowMs / ((windowSeconds * 1000) / buckets));
  const windowKey = (key: string, windowSeconds: number) => `w\u0000${windowSeconds}\u0000${key}`;
  const stateKey = (scope: Scope, key: string) => `s\u0000${scope}\u0000${key}`;

  function increment(key: string, windowSeconds: number, nowMs: number): number {
    const entry = windowEntry(windowKey(key, windowSeconds), true) as WindowEntry;
    const bucket = bucketOf(windowSeconds, nowMs);
    const slot = ((bucket % buckets) + buckets) % buckets;
    if (entry.stamps[slot] !== bucket) {
      entry.stamps[slot] = bucket;
      entry.counts[slot] = 0;
    }
    entry.counts[slot] = (entry.counts[slot] as number) + 1;
    return sum(entry, bucket);
  }

  function readState(scope: Scope, key: string, field: string): string | undefined {
    const k = stateKey(scope, key);
    const entry = entries.get(k);
    if (entry?.kind !== 'state') return undefined;
    return touch(k, entry).fields.get(field);
  }

  return {
    get size() {
      return entries.size;
    },
    maxKeys,
    async incrementWindow(key, windowSeconds, nowMs) {
      return increment(key, windowSeconds, nowMs);
    },
    async countWindow(key, windowSeconds, nowMs) {
      const entry = windowEntry(windowKey(key, windowSeconds), false);
      return entry ? sum(entry, bucketOf(windowSeconds, nowMs)) : 0;
    },
    async getState(scope, key, field) {
      return readState(scope, key, field);
    },
    // The per-key calls in order, in one synchronous step: nothing interleaves.
    async record(batch, nowMs) {
      const counts = batch.windows.map((w) => increment(w.key, w.windowSeconds, nowMs));
      const state = batch.state.map((r) => readState(r.scope, r.key, r.field));
      return { counts, state };
    },
    async setState(scope, key, field, value) {
      const k = stateKey(scope, key);
      const found = entries.get(k);
      if (value === undefined) {
        if (found?.kind === 'state') found.fields.delete(field);
        return;
      }
      const entry =
        found?.kind === 'state' ? touch(k, found) : insert(k, { kind: 'state', fields: new Map() });
      entry.fields.delete(field);
      entry.fields.set(field, value);
      if (entry.fields.size > maxStateFields) {
        entry.fields.delete(entry.fields.keys().next().value as string);
      }
    },
  };
}
