/**
 * `EsperCounter`, the Durable Object class behind `durableObjectStore`: export it from your
 * Worker and bind it (see the README). One class, two roles, chosen by the object's name:
 * - an **entity shard** (`<tenant>/e/<n>`) holds the windows and state of the entity keys that
 *   hash to it, and applies the ops it receives in order (POST /apply, /set);
 * - the **tenant object** (`<tenant>/t`) serves decisions with a tenant total (share
 *   thresholds): it counts the total, then forwards each decision's entity windows and state
 *   reads to their shards, at most one request in flight per shard, the decisions queued behind
 *   it going together in the next (POST /decide). Every shard so applies decisions in the
 *   order the tenant object counted them: each decision's counts are those of one moment.
 */
import {
  type ApplyBody,
  applyOps,
  type CounterStorage,
  type DecideBody,
  type SetBody,
  setField,
  shardOf,
  sweep,
  type WireOp,
  type WireResult,
} from './durable-objects-cells.js';

/** The part of `DurableObjectState` the class uses. */
export interface DurableObjectStateLike {
  storage: CounterStorage;
}

/** A Durable Object namespace binding (`env.ESPER_COUNTERS`), structurally. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/** Least time between two cleanup alarms. */
const MIN_ALARM_GAP_MS = 1_000;

/** The name of an entity shard and of the tenant object (given to `idFromName`). */
export const shardName = (tenant: string, shard: number) => `${tenant}/e/${shard}`;
export const tenantName = (tenant: string) => `${tenant}/t`;

/** POSTs `body` as JSON to an object and parses its JSON answer; non-2xx rejects. */
export async function callObject<T>(
  ns: DurableObjectNamespaceLike,
  name: string,
  path: string,
  body: unknown,
): Promise<T> {
  const stub = ns.get(ns.idFromName(name) as never);
  const res = await stub.fetch(`https://esper-counter${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`esper counter ${name}${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

interface Queued {
  op: WireOp;
  resolve(result: WireResult): void;
  reject(err: unknown): void;
}

export class EsperCounter {
  private readonly storage: CounterStorage;
  private readonly env: Record<string, unknown>;
  /** Known alarm time; undefined until read from storage. */
  private alarmAt: number | null | undefined;
  /** Tenant object only: ops waiting per shard, and which shards have a request in flight. */
  private readonly queues = new Map<string, Queued[]>();
  private readonly busy = new Set<string>();

  constructor(state: DurableObjectStateLike, env: unknown) {
    this.storage = state.storage;
    this.env = (env ?? {}) as Record<string, unknown>;
  }

  async fetch(request: Request): Promise<Response> {
    try {
      const path = new URL(request.url).pathname;
      const body = (await request.json()) as ApplyBody & SetBody & DecideBody;
      if (path === '/apply') {
        const results = await applyOps(this.storage, body);
        await this.scheduleCleanup(body.ops.at(-1)?.nowMs ?? Date.now());
        return Response.json(results);
      }
      if (path === '/set') {
        await this.scheduleCleanup(await setField(this.storage, body));
        return Response.json(true);
      }
      if (path === '/decide') return Response.json(await this.decide(body));
      return new Response('not found', { status: 404 });
    } catch (err) {
      return new Response(err instanceof Error ? err.message : String(err), { status: 500 });
    }
  }

  /** Deletes what expired; keeps an alarm set while anything is left. */
  async alarm(): Promise<void> {
    const next = await sweep(this.storage, Date.now());
    this.alarmAt = null;
    if (next !== null) await this.scheduleCleanup(next);
  }

  private async scheduleCleanup(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.storage.getAlarm();
    if (this.alarmAt !== null) return;
    this.alarmAt = Math.max(at, Date.now() + MIN_ALARM_GAP_MS);
    await this.storage.setAlarm(this.alarmAt);
  }

  /** Tenant object: counts the totals here, the rest on the shards, in this order. */
  private async decide(body: DecideBody): Promise<WireResult> {
    const ns = this.env[body.binding] as DurableObjectNamespaceLike | undefined;
    if (typeof ns?.idFromName !== 'function') {
      throw new Error(`env.${body.binding} is not a Durable Object namespace binding`);
    }
    const settings = { cells: body.cells, stateTtlMs: body.stateTtlMs };
    const isTotal = new Set(body.total);
    const totals = body.total.map((i) => ({ ...body.windows[i]!, count: true }));
    // Between counting the totals and queueing the shard ops nothing else runs: only storage
    // is awaited (the input gate), so the queues are in the totals' order.
    const [counted] = await applyOps(this.storage, {
      ...settings,
      ops: [{ nowMs: body.nowMs, windows: totals, state: [] }],
    });
    const perShard = new Map<number, { op: WireOp; windows: number[]; state: number[] }>();
    const at = (key: string) => {
      const shard = shardOf(key, body.shards);
      let entry = perShard.get(shard);
      if (!entry) {
        entry = { op: { nowMs: body.nowMs, windows: [], state: [] }, windows: [], state: [] };
        perShard.set(shard, entry);
      }
      return entry;
    };
    body.windows.forEach((w, i) => {
      if (isTotal.has(i)) return;
      const entry = at(w.key);
      entry.op.windows.push({ ...w, count: true });
      entry.windows.push(i);
    });
    body.state.forEach((s, i) => {
      const entry = at(s.key);
      entry.op.state.push(s);
      entry.state.push(i);
    });
    const answers = [...perShard].map(([shard, entry]) =>
      this.forward(ns, settings, shardName(body.tenant, shard), entry.op),
    );
    await this.scheduleCleanup(body.nowMs);
    const counts = new Array<number>(body.windows.length);
    const state = new Array<string | null>(body.state.length);
    body.total.forEach((i, j) => {
      counts[i] = counted!.counts[j]!;
    });
    const results = await Promise.all(answers);
    [...perShard.values()].forEach((entry, k) => {
      entry.windows.forEach((i, j) => {
        counts[i] = results[k]!.counts[j]!;
      });
      entry.state.forEach((i, j) => {
        state[i] = results[k]!.state[j] ?? null;
      });
    });
    return { counts, state };
  }

  /** Queues `op` for `shard`; at most one request per shard in flight, in queue order. */
  private forward(
    ns: DurableObjectNamespaceLike,
    settings: { cells: number; stateTtlMs: number },
    shard: string,
    op: WireOp,
  ): Promise<WireResult> {
    return new Promise<WireResult>((resolve, reject) => {
      const queue = this.queues.get(shard) ?? [];
      queue.push({ op, resolve, reject });
      this.queues.set(shard, queue);
      this.flush(ns, settings, shard);
    });
  }

  private flush(
    ns: DurableObjectNamespaceLike,
    settings: { cells: number; stateTtlMs: number },
    shard: string,
  ): void {
    const queue = this.queues.get(shard);
    if (this.busy.has(shard) || !queue?.length) return;
    this.queues.delete(shard);
    this.busy.add(shard);
    const body: ApplyBody = { ...settings, ops: queue.map((q) => q.op) };
    callObject<WireResult[]>(ns, shard, '/apply', body)
      .then(
        (results) => {
          for (const [i, q] of queue.entries()) q.resolve(results[i]!);
        },
        (err: unknown) => {
          for (const q of queue) q.reject(err);
        },
      )
      .finally(() => {
        this.busy.delete(shard);
        this.flush(ns, settings, shard);
      });
  }
}
