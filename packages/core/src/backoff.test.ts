import { describe, expect, it } from 'vitest';
import { Backoff, MAX_BACKOFF_MS } from './backoff.js';

function backoff(random: number) {
  let t = 1_000_000;
  const b = new Backoff(
    () => t,
    () => random,
  );
  const waited = () => {
    let ms = 0;
    while (b.active()) {
      t += 1;
      ms += 1;
    }
    return ms;
  };
  return { b, waited };
}

describe('Backoff', () => {
  it('honours Retry-After up to the cap, jittered to 50–100 %', () => {
    for (const [random, expected] of [
      [0, 1000],
      [0.999, 1999],
    ] as const) {
      const { b, waited } = backoff(random);
      b.rateLimited('2');
      expect(waited()).toBe(expected);
    }
    const { b, waited } = backoff(1);
    b.rateLimited('3600');
    expect(waited()).toBe(MAX_BACKOFF_MS);
  });

  it('doubles from 1 s for 429s in a row without Retry-After, and resets on an answer', () => {
    const { b, waited } = backoff(1);
    const waits = [1, 2, 3, 4, 5, 6].map(() => {
      b.rateLimited(null);
      return waited();
    });
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    b.answered();
    b.rateLimited(null);
    expect(waited()).toBe(1000);
  });

  it('reads an HTTP-date and ignores nonsense', () => {
    const { b, waited } = backoff(1);
    b.rateLimited(new Date(1_000_000 + 5000).toUTCString());
    expect(waited()).toBeLessThanOrEqual(5000);
    b.answered();
    b.rateLimited('soon');
    expect(waited()).toBe(1000);
  });
});
