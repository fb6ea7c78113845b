import { fileURLToPath } from 'node:url';
import { createMemoryStore, type PolicyStore, type StoreBatch } from '@esper/policy';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durableObjectStore } from './durable-objects.js';

// The store and the class run in workerd, bundled from source as wrangler would. The test
// subclass only adds /debug (what an object holds, the requests it got, a delay) around the
// real class; the Worker calls the real store for each POST.
const WORKER = `
import { EsperCounter, durableObjectStore } from './durable-objects.ts';
export class TestCounter extends EsperCounter {
  constructor(state, env) { super(state, env); this.state = state; this.requests = []; this.slowMs = 0; }
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/debug') {
      if (url.searchParams.has('slow')) {
        this.slowMs = Number(url.searchParams.get('slow'));
        this.jitter = url.searchParams.has('jitter');
      }
      const keys = [...(await this.state.storage.list()).keys()];
      return Response.json({ requests: this.requests, keys, alarm: await this.state.storage.getAlarm() });
    }
    this.requests.push(url.pathname);
    // A delay of up to slowMs: requests that wait side by side may finish in any order.
    if (this.slowMs) await new Promise((r) => setTimeout(r, this.slowMs * (this.jitter ? Math.random() : 1)));
    return super.fetch(request);
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/debug') {
      const ns = env.ESPER_COUNTERS;
      return ns.get(ns.idFromName(url.searchParams.get('name'))).fetch('https://x/debug' + url.search);
    }
    const { method, args, options, abortAfterMs } = await request.json();
    try {
      const store = durableObjectStore(env.ESPER_COUNTERS, options);
      let signal;
      if (abortAfterMs !== undefined) {
        const c = new AbortController();
        signal = c.signal;
        if (abortAfterMs === 0) c.abort(new Error('deadline passed'));
        else setTimeout(() => c.abort(new Error('deadline passed')), abortAfterMs);
      }
      const value = method === 'record'
        ? await store.record(args[0], args[1], { signal })
        : await store[method](...args);
      return Response.json({ value: value === undefined ? null : value });
    } catch (err) {
      return Response.json({ error: String(err && err.message || err) });
    }
  },
};
`;

let mf: Miniflare;

async function call(method: string, args: unknown[], extra: Record<string, unknown> = {}) {
  const res = await mf.dispatchFetch('https://worker.test/', {
    method: 'POST',
    body: JSON.stringify({ method, args, ...extra }),
  });
  const body = (await res.json()) as { value?: unknown; error?: string };
  if (body.error !== undefined) throw new Error(body.error);
  return body.value as never;
}

/** The same `PolicyStore` calls, made on the Durable Object store through the Worker. */
const remote = (options: Record<string, unknown> = {}): PolicyStore => ({
  incrementWindow: (...args) => call('incrementWindow', args, { options }),
  countWindow: (...args) => call('countWindow', args, { options }),
  getState: async (...args) => (await call('getState', args, { options })) ?? undefined,
  setState: (...args) => call('setState', args, { options }),
  async record(batch, nowMs) {
    const r = (await call('record', [batch, nowMs], { options })) as {
      counts: number[];
      state: Array<string | null>;
    };
    return { counts: r.counts, state: r.state.map((v) => v ?? undefined) };
  },
});

async function debug(name: string, slow?: number, jitter = false) {
  const q = new URLSearchParams({ name, ...(slow === undefined ? {} : { slow: String(slow) }) });
  if (jitter) q.set('jitter', '1');
  const res = await mf.dispatchFetch(`https://worker.test/debug?${q}`);
  return (await res.json()) as { requests: string[]; keys: string[]; alarm: number | null };
}

beforeAll(async () => {
  const out = await build({
    stdin: { contents: WORKER, resolveDir: fileURLToPath(new URL('.', import.meta.url)) },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@esper/source', 'workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'silent',
  });
  mf = new Miniflare({
    modules: true,
    script: out.outputFiles[0]!.text,
    compatibilityDate: '2025-07-01',
    durableObjects: { ESPER_COUNTERS: { className: 'TestCounter', useSQLite: true } },
  });
}, 60_000);

afterAll(() => mf?.dispose());

describe('durableObjectStore in workerd', () => {
  it('counts per key and per window, and reads without counting', async () => {
    const s = remote();
    const t = Date.now();
    expect(await s.incrementWindow('a|ip|1', 60, t)).toBe(1);
    expect(await s.incrementWindow('a|ip|1', 60, t + 10)).toBe(2);
    expect(await s.incrementWindow('a|ip|2', 60, t + 20)).toBe(1);
    expect(await s.incrementWindow('a|ip|1', 10, t + 30)).toBe(1);
    expect(await s.countWindow('a|ip|1', 60, t + 40)).toBe(2);
    expect(await s.countWindow('a|ip|1', 60, t + 50)).toBe(2);
    expect(await s.countWindow('a|ip|3', 60, t + 50)).toBe(0);
    // Another tenant's key of the same name is its own.
    expect(await s.countWindow('b|ip|1', 60, t + 50)).toBe(0);
  });

  it('rolls windows cell by cell (1 s cells of a 60 s window)', async () => {
    const s = remote();
    const t = Date.now();
    await s.incrementWindow('a|roll', 60, t);
    await s.incrementWindow('a|roll', 60, t + 30_000);
    expect(await s.countWindow('a|roll', 60, t + 59_000)).toBe(2);
    expect(await s.countWindow('a|roll', 60, t + 61_000)).toBe(1);
    expect(await s.incrementWindow('a|roll', 60, t + 89_000)).toBe(2);
    expect(await s.countWindow('a|roll', 60, t + 91_000)).toBe(1);
    expect(await s.countWindow('a|roll', 60, t + 150_000)).toBe(0);
  });

  it('writes, reads and removes state fields', async () => {
    const s = remote();
    expect(await s.getState('Entity', 'a|ip|9', 'seen')).toBeUndefined();
    await s.setState('Entity', 'a|ip|9', 'seen', 'yes');
    await s.setState('Entity', 'a|ip|9', 'plan', 'pro');
    await s.setState('Session', 'a|ip|9', 'seen', 'other scope');
    expect(await s.getState('Entity', 'a|ip|9', 'seen')).toBe('yes');
    expect(await s.getState('Session', 'a|ip|9', 'seen')).toBe('other scope');
    await s.setState('Entity', 'a|ip|9', 'seen', undefined);
    expect(await s.getState('Entity', 'a|ip|9', 'seen')).toBeUndefined();
    expect(await s.getState('Entity', 'a|ip|9', 'plan')).toBe('pro');
  });

  // The same random decisions through the in-memory store (the reference) and through the
  // Durable Objects, with and without a tenant total, over a time that rolls the windows.
  for (const withTotal of [true, false]) {
    it(`record matches the in-memory store over 300 decisions (${withTotal ? 'tenant object' : 'shards only'})`, async () => {
      const tenant = withTotal ? 'eq1' : 'eq2';
      const s = remote({ shards: 4 });
      const reference = createMemoryStore({ maxKeys: 10_000 });
      let seed = 7;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return Math.floor((seed / 2 ** 31) * n);
      };
      let now = Date.now();
      for (let i = 0; i < 300; i++) {
        now += rand(1500);
        const ip = `${tenant}|sys_client_ip|10.0.0.${rand(12)}`;
        const ua = `${tenant}|ent_ua|agent/${rand(4)}`;
        const batch: StoreBatch = {
          tenantId: tenant,
          windows: [
            { key: ip, windowSeconds: 60 },
            { key: ua, windowSeconds: 10 },
            ...(withTotal ? [{ key: `${tenant}|*`, windowSeconds: 60 }] : []),
          ],
          state: [{ scope: 'Entity', key: ip, field: 'flag' }],
        };
        if (rand(10) === 0) {
          const value = rand(2) ? `v${i}` : undefined;
          await s.setState('Entity', ip, 'flag', value);
          await reference.setState('Entity', ip, 'flag', value);
        }
        expect(await s.record!(batch, now), `decision ${i}`).toEqual(
          await reference.record(batch, now),
        );
      }
    });
  }

  it('costs one request per object: the tenant object forwards to each shard once', async () => {
    const s = remote({ shards: 64 });
    const batch: StoreBatch = {
      tenantId: 'cost',
      windows: [
        { key: 'cost|ip|1', windowSeconds: 60 },
        { key: 'cost|ua|x', windowSeconds: 60 },
        { key: 'cost|*', windowSeconds: 60 },
      ],
      state: [],
    };
    expect((await s.record!(batch, Date.now())).counts).toEqual([1, 1, 1]);
    expect((await debug('cost/t')).requests).toEqual(['/decide']);
    expect((await debug('cost/t')).keys).toEqual(['w:60:cost|*']);
    const shards = await Promise.all(Array.from({ length: 64 }, (_, i) => debug(`cost/e/${i}`)));
    const used = shards.filter((d) => d.requests.length > 0);
    expect(used.map((d) => d.requests)).toEqual(
      used.length === 1 ? [['/apply']] : [['/apply'], ['/apply']],
    );
    expect(used.flatMap((d) => d.keys).sort()).toEqual(['w:60:cost|ip|1', 'w:60:cost|ua|x']);
  });

  // Every decision counts the same entity and the tenant total: in one order, each sees the
  // two counts equal. Sent at once, with one shard slowed so requests pile up behind it.
  it('orders concurrent decisions the same on the tenant object and the shards', async () => {
    const s = remote({ shards: 2 });
    const batch = (i: number): StoreBatch => ({
      tenantId: 'ord',
      windows: [
        { key: 'ord|ua|hot', windowSeconds: 60 },
        { key: `ord|ip|${i % 7}`, windowSeconds: 60 },
        { key: 'ord|*', windowSeconds: 60 },
      ],
      state: [],
    });
    for (let i = 0; i < 2; i++) await debug(`ord/e/${i}`, 20, true);
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => s.record!(batch(i), now)),
    );
    for (const r of results) expect(r.counts[0]).toBe(r.counts[2]);
    expect(results.map((r) => r.counts[2]).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    // Fewer shard requests than decisions: the queued ones went together.
    const shardRequests = (await Promise.all([debug('ord/e/0'), debug('ord/e/1')])).flatMap(
      (d) => d.requests,
    );
    expect(shardRequests.length).toBeLessThan(2 * 60);
  });

  it('deletes windows that expired, with the object’s alarm', async () => {
    const s = remote({ shards: 1 });
    for (let i = 0; i < 5; i++) await s.incrementWindow(`gc|ip|${i}`, 2, Date.now());
    await s.setState('Entity', 'gc|ip|0', 'f', 'v');
    const before = await debug('gc/e/0');
    expect(before.keys).toHaveLength(6);
    expect(before.alarm).toBeGreaterThan(Date.now() - 1000);
    const deadline = Date.now() + 15_000;
    let keys = before.keys;
    while (Date.now() < deadline && keys.length > 1) {
      await new Promise((r) => setTimeout(r, 250));
      keys = (await debug('gc/e/0')).keys;
    }
    // The windows went one window (2 s) after their last event; the state field stays.
    expect(keys).toEqual(['s:Entity:gc|ip|0']);
  }, 20_000);

  it('respects the decision’s signal', async () => {
    const batch = {
      tenantId: 'sig',
      windows: [{ key: 'sig|*', windowSeconds: 60 }],
      state: [],
    };
    await expect(call('record', [batch, Date.now()], { abortAfterMs: 0 })).rejects.toThrow(
      'deadline passed',
    );
    expect((await debug('sig/t')).requests).toEqual([]);
    await debug('sig/t', 2_000);
    const started = performance.now();
    await expect(call('record', [batch, Date.now()], { abortAfterMs: 50 })).rejects.toThrow(
      'deadline passed',
    );
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('names a misnamed binding', async () => {
    const batch = { tenantId: 'bad', windows: [{ key: 'bad|*', windowSeconds: 60 }], state: [] };
    await expect(
      call('record', [batch, Date.now()], { options: { binding: 'COUNTERS' } }),
    ).rejects.toThrow('env.COUNTERS is not a Durable Object namespace binding');
  });
});

describe('durableObjectStore options', () => {
  const ns = { idFromName: () => ({}), get: () => ({ fetch: async () => new Response() }) };

  it('is a PolicyStore', () => {
    const store: PolicyStore = durableObjectStore(ns);
    expect(typeof store.record).toBe('function');
  });

  it('fails at start-up naming the option', () => {
    expect(() => durableObjectStore(undefined as never)).toThrow(/Durable Object namespace/);
    expect(() => durableObjectStore(ns, { shards: 0 })).toThrow(/shards/);
    expect(() => durableObjectStore(ns, { cells: 1.5 })).toThrow(/cells/);
    expect(() => durableObjectStore(ns, { stateTtlSeconds: -1 })).toThrow(/stateTtlSeconds/);
    expect(() => durableObjectStore(ns, { binding: '' })).toThrow(/binding/);
  });
});
