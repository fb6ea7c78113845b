import { expect, it } from 'vitest';
import { DecisionActivity } from './activity.js';

it('counts decisions per bucket by action, monitor apart, and forgets what the ring dropped', () => {
  let now = 100_000;
  const a = new DecisionActivity({ now: () => now, bucketMs: 1000, buckets: 3 });
  a.record({ action: 'allow', mode: 'live' });
  a.record({ action: 'block', mode: 'monitor' });
  now += 1000;
  a.record({ action: 'block', mode: 'live' });
  a.record({ action: 'challenge', mode: 'live', atMs: now - 1000 });
  expect(a.timeline()).toEqual(
    [
      { startMs: 98_000, allow: 0, challenge: 0, block: 0, monitor: 0 },
      { startMs: 99_000, allow: 0, challenge: 0, block: 0, monitor: 0 },
      { startMs: 100_000, allow: 1, challenge: 1, block: 0, monitor: 1 },
      { startMs: 101_000, allow: 0, challenge: 0, block: 1, monitor: 0 },
    ].slice(1),
  );
  now += 5000;
  a.record({ action: 'allow', mode: 'live', atMs: 100_500 }); // older than the ring: not drawn
  expect(a.timeline().every((b) => b.allow + b.block + b.challenge + b.monitor === 0)).toBe(true);
  expect(a.recentTimeline(3, 2)).toHaveLength(2);
});

it('keeps the busiest entities within its bound', () => {
  const a = new DecisionActivity({ maxEntities: 4 });
  for (let i = 0; i < 10; i++) a.record({ action: 'allow', mode: 'live', entity: 'busy' });
  for (let i = 0; i < 20; i++) a.record({ action: 'block', mode: 'live', entity: `ip${i}` });
  const top = a.topEntities(1)[0]!;
  expect(top).toEqual({
    entity: 'busy',
    requests: 10,
    allow: 10,
    challenge: 0,
    block: 0,
    monitor: 0,
  });
  expect(a.topEntities(100).length).toBeLessThanOrEqual(4);
  expect(a.entitiesDropped).toBeGreaterThan(0);
});

it('estimates latency quantiles from its buckets', () => {
  const a = new DecisionActivity();
  for (let i = 0; i < 98; i++) a.record({ action: 'allow', mode: 'live', latencyUs: 80 });
  a.record({ action: 'allow', mode: 'live', latencyUs: 3000 });
  a.record({ action: 'allow', mode: 'live', latencyUs: 4000 });
  const h = a.latency();
  expect(h.count).toBe(100);
  expect(h.p50Us).toBe(100);
  expect(h.p99Us).toBe(4000);
  expect(h.maxUs).toBe(4000);
  expect(h.counts[1]).toBe(98);
});
