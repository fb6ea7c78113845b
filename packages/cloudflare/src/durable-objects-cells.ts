/**
 * What an `EsperCounter` object keeps and how it counts: the wire shapes the store and the
 * objects exchange, the shard a key lives in, and the counting itself over the object's
 * storage (its transactional key-value API).
 *
 * A sliding window is one storage entry per (window, entity key), `w:<seconds>:<key>`, holding
 * time cells (1/`cells` of the window, 60 by default, as `@esper/redis` and the in-memory
 * store) and the time it expires: one window after its last event. State is one entry per
 * (scope, key), `s:<scope>:<key>`, expiring `stateTtlMs` after its last write. The object's
 * alarm deletes what expired, so storage holds only live windows.
 */

export type ScopeLike = 'Entity' | 'Session';

/** A window to count in (`count`) or only read, at `nowMs` of its op. */
export interface WireWindow {
  key: string;
  windowSeconds: number;
  count: boolean;
}

export interface WireStateRead {
  scope: ScopeLike;
  key: string;
  field: string;
}

/** One decision's work on one object, applied in the order the object receives ops. */
export interface WireOp {
  nowMs: number;
  windows: WireWindow[];
  state: WireStateRead[];
}

/** `state[i]` is null when unset (JSON has no undefined). */
export interface WireResult {
  counts: number[];
  state: Array<string | null>;
}

export interface WireSettings {
  cells: number;
  stateTtlMs: number;
}

/** POST /apply: ops on one shard. */
export interface ApplyBody extends WireSettings {
  ops: WireOp[];
}

/** POST /set: one state field (`value` absent removes it). */
export interface SetBody extends WireSettings {
  nowMs: number;
  scope: ScopeLike;
  key: string;
  field: string;
  value?: string;
}

/**
 * POST /decide, to the tenant's object: one decision with a tenant total. The tenant object
 * counts `total` (indexes into `windows`) itself and forwards the rest to the entity shards.
 */
export interface DecideBody extends WireSettings {
  tenant: string;
  binding: string;
  shards: number;
  nowMs: number;
  windows: Array<{ key: string; windowSeconds: number }>;
  total: number[];
  state: WireStateRead[];
}

interface WindowEntry {
  /** Expires at (ms): one window after the last event counted. */
  e: number;
  /** Cell number → events in it. */
  c: Record<string, number>;
}

interface StateEntry {
  e: number;
  f: Record<string, string>;
}

/** The part of `DurableObjectStorage` a counter uses. */
export interface CounterStorage {
  get<T = unknown>(keys: string[]): Promise<Map<string, T>>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
  list<T = unknown>(options?: { start?: string; limit?: number }): Promise<Map<string, T>>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
  deleteAll(): Promise<void>;
}

/** The storage API takes at most 128 keys per get, put or delete. */
const CHUNK = 128;

/** FNV-1a: the shard (0 … shards-1) of an entity key, the same in every isolate. */
export function shardOf(key: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/** The tenant is the engine key's part before the first `|` (tenant ids cannot hold one). */
export function tenantOf(key: string): string {
  const bar = key.indexOf('|');
  return bar === -1 ? key : key.slice(0, bar);
}

const windowName = (w: { key: string; windowSeconds: number }) => `w:${w.windowSeconds}:${w.key}`;
const stateName = (s: { scope: ScopeLike; key: string }) => `s:${s.scope}:${s.key}`;

async function load(storage: CounterStorage, names: string[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (let i = 0; i < names.length; i += CHUNK) {
    for (const [k, v] of await storage.get(names.slice(i, i + CHUNK))) out.set(k, v);
  }
  return out;
}

function save(storage: CounterStorage, dirty: Map<string, unknown>): void {
  const entries = [...dirty];
  // Not awaited: writes are ordered, and the object's output gate holds the answer until
  // they are durable.
  for (let i = 0; i < entries.length; i += CHUNK) {
    void storage.put(Object.fromEntries(entries.slice(i, i + CHUNK)));
  }
}

/** Counts (or reads) one window at `nowMs`: drops cells that left it, sums the rest. */
function countIn(entry: WindowEntry, w: WireWindow, nowMs: number, cells: number): number {
  const windowMs = w.windowSeconds * 1000;
  const cell = Math.floor((nowMs * cells) / windowMs);
  if (w.count) {
    entry.c[cell] = (entry.c[cell] ?? 0) + 1;
    entry.e = Math.max(entry.e, nowMs + windowMs);
  }
  let total = 0;
  for (const k in entry.c) {
    if (Number(k) > cell - cells) total += entry.c[k] as number;
    else delete entry.c[k];
  }
  return total;
}

/**
 * Applies `ops` in order, as one step: the reads are one storage round, nothing interleaves
 * (the object's input gate), the writes go out together. Same results as the ops one by one.
 */
export async function applyOps(storage: CounterStorage, body: ApplyBody): Promise<WireResult[]> {
  const names = new Set<string>();
  for (const op of body.ops) {
    for (const w of op.windows) names.add(windowName(w));
    for (const s of op.state) names.add(stateName(s));
  }
  const entries = await load(storage, [...names]);
  const dirty = new Map<string, unknown>();
  const results = body.ops.map((op) => {
    const counts = op.windows.map((w) => {
      const name = windowName(w);
      const entry = (entries.get(name) as WindowEntry | undefined) ?? { e: 0, c: {} };
      entries.set(name, entry);
      const n = countIn(entry, w, op.nowMs, body.cells);
      if (w.count) dirty.set(name, entry);
      return n;
    });
    const state = op.state.map((s) => {
      const entry = entries.get(stateName(s)) as StateEntry | undefined;
      return entry && entry.e > op.nowMs ? (entry.f[s.field] ?? null) : null;
    });
    return { counts, state };
  });
  save(storage, dirty);
  return results;
}

/** Sets (or, without `value`, removes) one state field; the record expires `stateTtlMs` on. */
export async function setField(storage: CounterStorage, body: SetBody): Promise<number> {
  const name = stateName(body);
  const [found] = (await load(storage, [name])).values() as IterableIterator<StateEntry>;
  const entry: StateEntry = found && found.e > body.nowMs ? found : { e: 0, f: {} };
  if (body.value === undefined) delete entry.f[body.field];
  else entry.f[body.field] = body.value;
  entry.e = body.nowMs + body.stateTtlMs;
  if (Object.keys(entry.f).length === 0) await storage.delete([name]);
  else save(storage, new Map([[name, entry]]));
  return entry.e;
}

/**
 * The alarm's work: deletes every entry that expired by `nowMs`. Resolves to when the next
 * one expires, or null when the object is empty (its storage is then dropped entirely).
 */
export async function sweep(storage: CounterStorage, nowMs: number): Promise<number | null> {
  let next: number | null = null;
  let start: string | undefined;
  for (;;) {
    const page = await storage.list<WindowEntry | StateEntry>({ start, limit: 1000 });
    const expired: string[] = [];
    let last: string | undefined;
    for (const [k, v] of page) {
      last = k;
      if (v.e <= nowMs) expired.push(k);
      else next = next === null ? v.e : Math.min(next, v.e);
    }
    for (let i = 0; i < expired.length; i += CHUNK) {
      await storage.delete(expired.slice(i, i + CHUNK));
    }
    if (page.size < 1000 || last === undefined) break;
    start = `${last}\u0000`;
  }
  if (next === null) await storage.deleteAll();
  return next;
}
