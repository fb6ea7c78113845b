/**
 * `durableObjectStore(env.ESPER_COUNTERS)`: a `PolicyStore` (see `@esper/policy`) on
 * `EsperCounter` Durable Objects, for `createHybrid({ store })`. A decision is one request per
 * object it touches: one per entity shard its keys hash to, or, when the tenant has share
 * thresholds, one to the tenant object, which counts the total and forwards the rest.
 */
import {
  type ScopeLike,
  shardOf,
  tenantOf,
  type WireResult,
  type WireStateRead,
} from './durable-objects-cells.js';
import {
  callObject,
  type DurableObjectNamespaceLike,
  shardName,
  tenantName,
} from './durable-objects-counter.js';

export interface DurableObjectStoreOptions {
  /**
   * The binding's name in your wrangler configuration: the tenant object reaches the shards
   * through it. Default `ESPER_COUNTERS`.
   */
  binding?: string;
  /**
   * Entity shards per tenant: a tenant's entity keys are spread over this many objects.
   * Every Worker must use the same number (changing it moves keys, and their counts restart).
   * Default 16.
   */
  shards?: number;
  /** Cells per window (each window is exact to one cell). Default 60. */
  cells?: number;
  /** State fields expire this long after their last write. Default 30 days. */
  stateTtlSeconds?: number;
}

/** Structurally `@esper/policy`'s `StoreBatch` / `StoreBatchResult` / `PolicyStore`. */
export interface StoreBatchLike {
  tenantId: string;
  windows: readonly { key: string; windowSeconds: number }[];
  state: readonly WireStateRead[];
}

export interface StoreBatchResultLike {
  counts: number[];
  state: Array<string | undefined>;
}

export interface DurableObjectStore {
  incrementWindow(key: string, windowSeconds: number, nowMs: number): Promise<number>;
  countWindow(key: string, windowSeconds: number, nowMs: number): Promise<number>;
  getState(scope: ScopeLike, key: string, field: string): Promise<string | undefined>;
  setState(scope: ScopeLike, key: string, field: string, value: string | undefined): Promise<void>;
  record(
    batch: StoreBatchLike,
    nowMs: number,
    options?: { signal?: AbortSignal },
  ): Promise<StoreBatchResultLike>;
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(Number.isInteger(v) && v > 0)) {
    throw new RangeError(`durableObjectStore: ${name} must be a positive integer (got ${value})`);
  }
  return v;
}

/** Rejects as soon as `signal` aborts; the request itself runs on (a Worker cannot recall it). */
function bounded<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

export function durableObjectStore(
  namespace: DurableObjectNamespaceLike,
  options: DurableObjectStoreOptions = {},
): DurableObjectStore {
  if (typeof namespace?.idFromName !== 'function' || typeof namespace.get !== 'function') {
    throw new TypeError(
      'durableObjectStore: the first argument must be a Durable Object namespace binding (env.ESPER_COUNTERS)',
    );
  }
  const binding = options.binding ?? 'ESPER_COUNTERS';
  if (typeof binding !== 'string' || binding === '') {
    throw new TypeError('durableObjectStore: binding must be the binding name');
  }
  const shards = positiveInt('shards', options.shards, 16);
  const cells = positiveInt('cells', options.cells, 60);
  const stateTtlMs = positiveInt('stateTtlSeconds', options.stateTtlSeconds, 30 * 86_400) * 1000;
  const settings = { cells, stateTtlMs };

  /** Tenant totals (`<tenant>|*`) live in the tenant object, entity keys in their shard. */
  const objectOf = (key: string) => {
    const tenant = tenantOf(key);
    return key === `${tenant}|*` ? tenantName(tenant) : shardName(tenant, shardOf(key, shards));
  };

  async function window(key: string, windowSeconds: number, nowMs: number, count: boolean) {
    const op = { nowMs, windows: [{ key, windowSeconds, count }], state: [] };
    const [result] = await callObject<WireResult[]>(namespace, objectOf(key), '/apply', {
      ...settings,
      ops: [op],
    });
    return result!.counts[0]!;
  }

  /** No tenant total: each shard touched gets its part of the batch, all at once. */
  async function direct(batch: StoreBatchLike, nowMs: number): Promise<StoreBatchResultLike> {
    const parts = new Map<string, { windows: number[]; state: number[] }>();
    const part = (key: string) => {
      const name = objectOf(key);
      const found = parts.get(name) ?? { windows: [], state: [] };
      parts.set(name, found);
      return found;
    };
    for (const [i, w] of batch.windows.entries()) part(w.key).windows.push(i);
    for (const [i, s] of batch.state.entries()) part(s.key).state.push(i);
    const counts = new Array<number>(batch.windows.length);
    const state = new Array<string | undefined>(batch.state.length);
    await Promise.all(
      [...parts].map(async ([name, p]) => {
        const op = {
          nowMs,
          windows: p.windows.map((i) => ({ ...batch.windows[i]!, count: true })),
          state: p.state.map((i) => batch.state[i]!),
        };
        const [r] = await callObject<WireResult[]>(namespace, name, '/apply', {
          ...settings,
          ops: [op],
        });
        p.windows.forEach((i, j) => {
          counts[i] = r!.counts[j]!;
        });
        p.state.forEach((i, j) => {
          state[i] = r!.state[j] ?? undefined;
        });
      }),
    );
    return { counts, state };
  }

  return {
    incrementWindow: (key, windowSeconds, nowMs) => window(key, windowSeconds, nowMs, true),
    countWindow: (key, windowSeconds, nowMs) => window(key, windowSeconds, nowMs, false),
    async getState(scope, key, field) {
      const op = { nowMs: Date.now(), windows: [], state: [{ scope, key, field }] };
      const [r] = await callObject<WireResult[]>(namespace, objectOf(key), '/apply', {
        ...settings,
        ops: [op],
      });
      return r!.state[0] ?? undefined;
    },
    async setState(scope, key, field, value) {
      const body = { ...settings, nowMs: Date.now(), scope, key, field, value };
      await callObject(namespace, objectOf(key), '/set', body);
    },
    record(batch, nowMs, recordOptions) {
      if (recordOptions?.signal?.aborted) return Promise.reject(recordOptions.signal.reason);
      const totalKey = `${batch.tenantId}|*`;
      const total: number[] = [];
      batch.windows.forEach((w, i) => {
        if (w.key === totalKey) total.push(i);
      });
      if (total.length === 0) return bounded(direct(batch, nowMs), recordOptions?.signal);
      const body = {
        ...settings,
        tenant: batch.tenantId,
        binding,
        shards,
        nowMs,
        windows: batch.windows.map((w) => ({ key: w.key, windowSeconds: w.windowSeconds })),
        total,
        state: [...batch.state],
      };
      const decided = callObject<WireResult>(
        namespace,
        tenantName(batch.tenantId),
        '/decide',
        body,
      ).then((r) => ({ counts: r.counts, state: r.state.map((v) => v ?? undefined) }));
      return bounded(decided, recordOptions?.signal);
    },
  };
}
