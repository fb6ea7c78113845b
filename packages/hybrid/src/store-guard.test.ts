import { createMemoryStore, type PolicyStore } from '@esper/policy';
import { describe, expect, it } from 'vitest';
import { createHybrid } from './hybrid.js';
import { guardStore, StoreUnavailableError } from './store-guard.js';

const batch = { tenantId: 't', windows: [{ key: 't|ip|1', windowSeconds: 60 }], state: [] };

/** A memory store whose `record` can be made to fail or hang, counting the calls that reach it. */
function flakyStore() {
  const inner = createMemoryStore();
  const control = { mode: 'ok' as 'ok' | 'fail' | 'hang', calls: 0, aborted: 0 };
  const store: PolicyStore = {
    ...inner,
    record(b, now, options) {
      control.calls++;
      if (control.mode === 'fail') return Promise.reject(new Error('ECONNREFUSED'));
      if (control.mode === 'hang') {
        return new Promise((_, reject) => {
          options?.signal?.addEventListener('abort', () => {
            control.aborted++;
            reject(options.signal?.reason);
          });
        });
      }
      return inner.record(b, now);
    },
  };
  return { store, control };
}

describe('guardStore', () => {
  it('bounds a call by timeoutMs and aborts it', async () => {
    const { store, control } = flakyStore();
    const guarded = guardStore(store, { timeoutMs: 30 });
    control.mode = 'hang';
    const started = performance.now();
    const error = await guarded.record(batch, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).failure).toBe('store_unavailable');
    expect(performance.now() - started).toBeLessThan(200);
    expect(control.aborted).toBe(1);
  });

  it('opens after half of the last 20 calls failed, probes after probeAfterMs, closes on success', async () => {
    const { store, control } = flakyStore();
    let now = 0;
    const changes: string[] = [];
    const guarded = guardStore(store, {
      timeoutMs: 50,
      probeAfterMs: 5_000,
      now: () => now,
      onStateChange: (state) => changes.push(state),
    });
    for (let i = 0; i < 10; i++) await guarded.record(batch, 0);
    control.mode = 'fail';
    for (let i = 0; i < 9; i++)
      await expect(guarded.record(batch, 0)).rejects.toThrow(/ECONNREFUSED/);
    expect(guarded.status().state).toBe('closed');
    await expect(guarded.record(batch, 0)).rejects.toThrow(StoreUnavailableError);
    expect(guarded.status()).toMatchObject({ state: 'open', recentFailures: 10 });
    // Open: refused at once, the store untouched.
    const reached = control.calls;
    await expect(guarded.record(batch, 0)).rejects.toThrow(/circuit open/);
    expect(control.calls).toBe(reached);
    // A failed probe keeps it open for another probeAfterMs.
    now += 5_000;
    await expect(guarded.record(batch, 0)).rejects.toThrow(/ECONNREFUSED/);
    expect(control.calls).toBe(reached + 1);
    await expect(guarded.record(batch, 0)).rejects.toThrow(/circuit open/);
    // The store is back: the next probe closes it and counts resume where they were.
    control.mode = 'ok';
    now += 5_000;
    expect((await guarded.record(batch, 0)).counts).toEqual([11]);
    expect(guarded.status()).toMatchObject({ state: 'closed', recentFailures: 0 });
    expect((await guarded.record(batch, 0)).counts).toEqual([12]);
    expect(changes).toEqual(['open', 'open', 'closed']);
  });

  it('lets one probe through at a time while half-open', async () => {
    const { store, control } = flakyStore();
    let now = 0;
    const guarded = guardStore(store, { timeoutMs: 50, window: 2, now: () => now });
    control.mode = 'fail';
    await expect(guarded.record(batch, 0)).rejects.toThrow();
    expect(guarded.status().state).toBe('open');
    now += 5_000;
    control.mode = 'hang';
    const probe = guarded.record(batch, 0).catch(() => 'probe failed');
    await expect(guarded.record(batch, 0)).rejects.toThrow(/circuit open/);
    expect(await probe).toBe('probe failed');
    expect(guarded.status().state).toBe('open');
  });

  it('guards a store without record with one bounded call per decision', async () => {
    const inner = createMemoryStore();
    const plain: PolicyStore = {
      incrementWindow: inner.incrementWindow,
      countWindow: inner.countWindow,
      getState: inner.getState,
      setState: inner.setState,
    };
    const guarded = guardStore(plain, { timeoutMs: 50 });
    await guarded.setState('Entity', 't|ip|1', 'risk', 'high');
    const result = await guarded.record(
      { ...batch, state: [{ scope: 'Entity', key: 't|ip|1', field: 'risk' }] },
      0,
    );
    expect(result).toEqual({ counts: [1], state: ['high'] });
  });
});

describe('createHybrid({ store })', () => {
  const key = {
    apiKey: 'k',
    secret: 's',
    apiBase: 'http://127.0.0.1:9',
    refresh: 'requests' as const,
  };

  it('refuses a store that is not one, naming the option', () => {
    expect(() => createHybrid({ ...key, store: {} as never })).toThrow(/store/);
    expect(() => createHybrid({ ...key, storeTimeoutMs: 0 })).toThrow(/storeTimeoutMs/);
    expect(() => createHybrid({ ...key, storeBreaker: { window: 1 } })).toThrow(/storeBreaker/);
  });

  it('guards a given store and shows its breaker in status(); the default store has none', async () => {
    const given = createHybrid({ ...key, store: createMemoryStore(), reportEvents: false });
    expect(given.status().store).toEqual({
      state: 'closed',
      recentFailures: 0,
      shortCircuited: 0,
      lastError: undefined,
    });
    const plain = createHybrid({ ...key, reportEvents: false });
    expect(plain.status().store).toBeUndefined();
    await Promise.all([given.close(), plain.close()]);
  });
});
