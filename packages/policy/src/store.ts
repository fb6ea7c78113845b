import type { Scope } from './types.js';

/**
 * Where an engine keeps counters and entity/session state. The per-key methods are single
 * async gets or increments; `record`, when a store has it, does everything one decision needs
 * in one call, so a network store (Redis, Upstash, a Durable Object) spends one round trip
 * per decision. The engine calls `record` when it is there and the per-key methods otherwise.
 *
 * Keys are opaque strings built by the engine (`<tenant>|<entity definition>|<entity key>`
 * or `<tenant>|*` for tenant totals); they are already tenant-scoped, and the tenant id (which
 * cannot contain `|`) is everything before the first `|`.
 */
export interface PolicyStore {
  /**
   * Count one event for `key` in the sliding window of `windowSeconds` ending at `nowMs`, and
   * resolve to the number of events in that window, this one included.
   */
  incrementWindow(key: string, windowSeconds: number, nowMs: number): Promise<number>;
  /** The number of events in the window without counting one. */
  countWindow(key: string, windowSeconds: number, nowMs: number): Promise<number>;
  getState(scope: Scope, key: string, field: string): Promise<string | undefined>;
  /** Set a state field; `undefined` removes it. */
  setState(scope: Scope, key: string, field: string, value: string | undefined): Promise<void>;
  /**
   * Optional, one call per decision: count the event in every window of `batch.windows` and
   * read every field of `batch.state`, as one atomic step where the store can (a Lua script,
   * one Durable Object request). Resolves to the counts (this event included) and the values,
   * each in the order of its request list. Same effects as the per-key calls in sequence.
   */
  record?(batch: StoreBatch, nowMs: number, options?: RecordOptions): Promise<StoreBatchResult>;
}

/** One window to count the event in: an entity's or the tenant total's. */
export interface WindowIncrement {
  key: string;
  windowSeconds: number;
}

/** One state field to read. */
export interface StateRead {
  scope: Scope;
  key: string;
  field: string;
}

/**
 * Everything one decision reads and counts. `tenantId` is the prefix every key already
 * carries, given apart so a store can shard by it (a Redis Cluster hash tag, a Durable Object
 * per tenant) without parsing keys. Which windows and fields appear is fixed when the tenant's
 * configuration is compiled; only the entity keys change from event to event.
 */
export interface StoreBatch {
  tenantId: string;
  windows: readonly WindowIncrement[];
  state: readonly StateRead[];
}

export interface StoreBatchResult {
  /** `counts[i]`: events in `windows[i]`, this one included. */
  counts: number[];
  /** `state[i]`: the value of `state[i]`, undefined when unset. */
  state: Array<string | undefined>;
}

export interface RecordOptions {
  /**
   * Aborted when the decision no longer waits for the answer (its deadline passed): a store
   * stops what it can (a fetch) and rejects. The caller bounds the wait either way.
   */
  signal?: AbortSignal;
}
