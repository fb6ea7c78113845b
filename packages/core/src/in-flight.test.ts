import { describe, expect, it } from 'vitest';
import { InFlightLimiter } from './in-flight.js';

describe('InFlightLimiter', () => {
  it('hands out slots up to the cap, then queues oldest first', async () => {
    let t = 0;
    const limiter = new InFlightLimiter(2, () => t);
    const a = limiter.acquire(100);
    const b = limiter.acquire(100);
    expect(a).not.toBeInstanceOf(Promise);
    expect(b).not.toBeInstanceOf(Promise);
    const c = limiter.acquire(100);
    const d = limiter.acquire(100);
    expect(c).toBeInstanceOf(Promise);
    const order: string[] = [];
    void (c as Promise<unknown>).then(() => order.push('c'));
    void (d as Promise<unknown>).then(() => order.push('d'));
    limiter.release(a as never);
    limiter.release(b as never);
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual(['c', 'd']);
    expect(limiter.size).toBe(2);
    t = 1;
  });

  it('never resumes a waiter whose deadline passed; its deadline decides it', async () => {
    let t = 0;
    const limiter = new InFlightLimiter(1, () => t);
    const held = limiter.acquire(50);
    let resumed = false;
    void (limiter.acquire(10) as Promise<unknown>).then(() => (resumed = true));
    t = 20;
    limiter.release(held as never);
    await Promise.resolve();
    expect(resumed).toBe(false);
    expect(limiter.size).toBe(0);
  });

  it('frees a slot that never settles one second after its deadline', () => {
    let t = 0;
    const limiter = new InFlightLimiter(1, () => t);
    limiter.acquire(100);
    expect(limiter.acquire(5000)).toBeInstanceOf(Promise);
    t = 1100;
    expect(limiter.acquire(5000)).toBeInstanceOf(Promise); // the queue is served first
    expect(limiter.size).toBe(1);
  });

  it('release is idempotent', () => {
    const limiter = new InFlightLimiter(1, () => 0);
    const slot = limiter.acquire(100);
    limiter.release(slot as never);
    limiter.release(slot as never);
    expect(limiter.size).toBe(0);
  });
});
