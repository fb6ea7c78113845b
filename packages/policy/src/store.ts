import type { Scope } from './types.js';

/**
 * Where an engine keeps counters and entity/session state. Every method is a single async
 * get or increment on one key, so the same interface fits an in-memory map, Redis (INCR on
 * bucket keys, HGET/HSET) or a Cloudflare Durable Object (one object per key or per tenant).
 *
 * Keys are opaque strings built by the engine (`<tenant>|<entity definition>|<entity key>`
 * or `<tenant>|*` for tenant totals); they are already tenant-scoped.
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
}
