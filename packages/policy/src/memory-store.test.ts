import { describe, expect, it } from 'vitest';
import { createPolicyEngine } from './engine.js';
import { createMemoryStore } from './memory-store.js';

const T0 = 1_700_000_000_000;

describe('createMemoryStore windows', () => {
  it('counts events in a sliding window, this one included', async () => {
    const store = createMemoryStore();
    expect(await store.incrementWindow('k', 60, T0)).toBe(1);
    expect(await store.incrementWindow('k', 60, T0 + 10_000)).toBe(2);
    expect(await store.incrementWindow('k', 60, T0 + 30_000)).toBe(3);
    expect(await store.countWindow('k', 60, T0 + 30_000)).toBe(3);
    // 61 s after the first event it has left the window; the others have not.
    expect(await store.countWindow('k', 60, T0 + 61_000)).toBe(2);
    expect(await store.countWindow('k', 60, T0 + 91_000)).toBe(0);
  });

  it('keeps windows of different lengths and keys apart', async () => {
    const store = createMemoryStore();
    for (let i = 0; i < 5; i++) await store.incrementWindow('a', 60, T0 + i * 30_000);
    expect(await store.countWindow('a', 60, T0 + 120_000)).toBe(2);
    expect(await store.countWindow('a', 300, T0 + 120_000)).toBe(0);
    expect(await store.countWindow('b', 60, T0 + 120_000)).toBe(0);
  });

  it('is exact to one sub-bucket (1/60 of the window)', async () => {
    const store = createMemoryStore();
    await store.incrementWindow('k', 3600, T0);
    const bucketMs = 60_000;
    const start = Math.floor(T0 / bucketMs) * bucketMs;
    expect(await store.countWindow('k', 3600, start + 3600_000 - 1)).toBe(1);
    expect(await store.countWindow('k', 3600, start + 3600_000)).toBe(0);
  });

  it('reuses a ring slot after a full lap without carrying its old count', async () => {
    const store = createMemoryStore();
    for (let i = 0; i < 10; i++) await store.incrementWindow('k', 60, T0);
    expect(await store.incrementWindow('k', 60, T0 + 60_000)).toBe(1);
  });

  it('counts correctly against a reference under random traffic', async () => {
    const store = createMemoryStore({ buckets: 60 });
    const events: number[] = [];
    let t = T0;
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      t += Math.floor(rand() * 2000);
      events.push(t);
      const got = await store.incrementWindow('k', 60, t);
      // Bucketed: counts every event whose 1 s bucket is among the last 60.
      const bucket = Math.floor(t / 1000);
      const expected = events.filter((e) => Math.floor(e / 1000) > bucket - 60).length;
      expect(got).toBe(expected);
    }
  });
});

describe('createMemoryStore state', () => {
  it('gets, sets and removes state per scope and key', async () => {
    const store = createMemoryStore();
    await store.setState('Entity', 'k', 'risk', 'high');
    await store.setState('Session', 'k', 'risk', 'low');
    expect(await store.getState('Entity', 'k', 'risk')).toBe('high');
    expect(await store.getState('Session', 'k', 'risk')).toBe('low');
    expect(await store.getState('Entity', 'other', 'risk')).toBeUndefined();
    await store.setState('Entity', 'k', 'risk', undefined);
    expect(await store.getState('Entity', 'k', 'risk')).toBeUndefined();
  });

  it('bounds fields per record', async () => {
    const store = createMemoryStore({ maxStateFields: 2 });
    await store.setState('Entity', 'k', 'a', '1');
    await store.setState('Entity', 'k', 'b', '2');
    await store.setState('Entity', 'k', 'c', '3');
    expect(await store.getState('Entity', 'k', 'a')).toBeUndefined();
    expect(await store.getState('Entity', 'k', 'c')).toBe('3');
  });
});

describe('createMemoryStore record', () => {
  it('counts every window and reads every field in one call, as the per-key calls would', async () => {
    const store = createMemoryStore();
    await store.setState('Entity', 'acme|ip|1', 'risk', 'high');
    const batch = {
      tenantId: 'acme',
      windows: [
        { key: 'acme|ip|1', windowSeconds: 60 },
        { key: 'acme|*', windowSeconds: 60 },
        { key: 'acme|ip|1', windowSeconds: 3600 },
      ],
      state: [
        { scope: 'Entity' as const, key: 'acme|ip|1', field: 'risk' },
        { scope: 'Session' as const, key: 'acme|ip|1', field: 'risk' },
      ],
    };
    expect(await store.record(batch, T0)).toEqual({
      counts: [1, 1, 1],
      state: ['high', undefined],
    });
    await store.incrementWindow('acme|*', 60, T0);
    expect((await store.record(batch, T0 + 1000)).counts).toEqual([2, 3, 2]);
    expect(await store.countWindow('acme|ip|1', 60, T0 + 60_000)).toBe(1);
  });
});

describe('createMemoryStore bound', () => {
  it('stays within maxKeys under 100,000 distinct entities, evicting the least recently used', async () => {
    const store = createMemoryStore({ maxKeys: 1000 });
    await store.incrementWindow('hot', 3600, T0);
    let maxSeen = 0;
    for (let i = 0; i < 100_000; i++) {
      await store.incrementWindow(`ip-${i}`, 60, T0 + i);
      if (i % 2 === 0) await store.setState('Entity', `ip-${i}`, 'risk', 'x');
      // Touching `hot` keeps it recently used, so it survives.
      if (i % 500 === 0) await store.incrementWindow('hot', 3600, T0 + i);
      maxSeen = Math.max(maxSeen, store.size);
    }
    expect(maxSeen).toBe(1000);
    expect(store.size).toBe(1000);
    expect(await store.countWindow('hot', 3600, T0 + 100_000)).toBe(201);
    expect(await store.countWindow('ip-99999', 60, T0 + 100_000)).toBe(1);
    // Long evicted: its count starts over.
    expect(await store.countWindow('ip-0', 60, T0 + 100_000)).toBe(0);
    expect(await store.getState('Entity', 'ip-2', 'risk')).toBeUndefined();
  });

  it('stays within maxKeys under 1,000,000 distinct entities through the engine', async () => {
    const store = createMemoryStore();
    let now = T0;
    const engine = createPolicyEngine(
      {
        tenant_id: 'acme',
        mitigations: [{ mitigation_id: 'm', name: 'Block', mode: 'Block' }],
        policies: [
          {
            policy_id: 'p',
            name: 'p',
            enabled: true,
            mitigation_id: 'm',
            entity_definition_id: 'sys_client_ip',
            window: { window_seconds: 60, threshold: { type: 'count', operator: 'Gt', value: 5 } },
          },
        ],
      },
      { store, now: () => now },
    );
    let maxSeen = 0;
    for (let i = 0; i < 1_000_000; i++) {
      now = T0 + i;
      await engine.evaluate({ client_ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` });
      if (i % 10_000 === 0) maxSeen = Math.max(maxSeen, store.size);
    }
    maxSeen = Math.max(maxSeen, store.size);
    expect(maxSeen).toBeLessThanOrEqual(store.maxKeys);
    expect(store.size).toBe(store.maxKeys);
    // Each key holds a fixed 60-slot ring, so the bound on keys bounds the bytes. (A heap
    // figure here would measure the collector's timing, not the store: without a forced GC it
    // read 112 MB on Node 24 and a few MB on Node 20. `bench/daemon.mjs` reports RSS instead.)
  }, 120_000);

  it('rejects a non-positive bound', () => {
    expect(() => createMemoryStore({ maxKeys: 0 })).toThrow(RangeError);
  });
});
