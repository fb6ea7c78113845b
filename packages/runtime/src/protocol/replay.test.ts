import { describe, expect, it } from 'vitest';
import { ReplayGuard } from './replay.js';

describe('ReplayGuard', () => {
  it('refuses a key while its signature verifies and forgets it after', () => {
    const guard = new ReplayGuard(1000, 100);
    expect(guard.check('k', 'a', 0, 0)).toBe(true);
    expect(guard.check('k', 'a', 0, 500)).toBe(false);
    expect(guard.check('other', 'a', 0, 500)).toBe(true);
    // Timestamp 0 with 1 s of tolerance verifies until the clock reads 1.999 s.
    expect(guard.check('k', 'a', 0, 1999)).toBe(false);
    expect(guard.check('k', 'a', 0, 2000)).toBe(true);
  });

  it('remembers until the signature expires when the timestamp is ahead of the clock', () => {
    const guard = new ReplayGuard(1000, 100);
    expect(guard.check('k', 'a', 5000, 0)).toBe(true);
    expect(guard.check('k', 'a', 5000, 5500)).toBe(false);
  });

  it('bounds its memory by refusing, never by forgetting a live key', () => {
    const guard = new ReplayGuard(60_000, 100);
    for (let i = 0; i < 1000; i++) guard.check('k', `id-${i}`, 0, 0);
    expect(guard.size('k')).toBe(100);
    expect(guard.admit('k', 'id-0', 0, 0)).toBe('replayed');
    expect(guard.admit('k', 'id-999', 0, 0)).toBe('full');
  });

  it('sweeps expired keys', () => {
    const guard = new ReplayGuard(1000, 100);
    for (let i = 0; i < 50; i++) guard.check('k', `id-${i}`, 0, 0);
    guard.check('k', 'late', 5000, 5000);
    expect(guard.size()).toBe(1);
  });

  it('expires by time only: a flood of other keys does not push one out', () => {
    const guard = new ReplayGuard(300_000, 1_000_000);
    expect(guard.admit('k', 'first', 0, 0)).toBe('ok');
    for (let i = 0; i < 20_000; i++) guard.admit('k', `id-${i}`, 0, i);
    expect(guard.admit('k', 'first', 0, 20_000)).toBe('replayed');
    expect(guard.admit('k', 'first', 0, 301_000)).toBe('ok');
  });

  it('sweeps expired keys and refuses, with a retry delay, when full of live ones', () => {
    const guard = new ReplayGuard(10_000, 2);
    expect(guard.admit('k', 'a', 0, 0)).toBe('ok');
    expect(guard.admit('k', 'b', 5000, 5000)).toBe('ok');
    expect(guard.admit('k', 'c', 5000, 5000)).toBe('full');
    expect(guard.admit('other', 'c', 5000, 5000)).toBe('ok');
    // 'a' is remembered until 11 s (timestamp 0 verifies until 10.999 s), in the bucket of
    // second 11, which has passed at 12 s.
    expect(guard.retryAfterSeconds('k', 5000)).toBe(7);
    expect(guard.admit('k', 'c', 5000, 11_000)).toBe('ok');
    expect(guard.size('k')).toBe(2);
    // 'a' was forgotten once expired (full now means b and c, not a replay of a).
    expect(guard.admit('k', 'a', 0, 11_000)).toBe('full');
    expect(guard.admit('k', 'a', 16_000, 16_000)).toBe('ok');
  });
});
