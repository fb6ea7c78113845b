import { describe, expect, it } from 'vitest';
import { DecisionCache } from './cache.js';

describe('DecisionCache', () => {
  it('expires entries', () => {
    let now = 0;
    const c = new DecisionCache<string>(10, () => now);
    c.set('a', 'A', 1000);
    now = 999;
    expect(c.get('a')).toBe('A');
    now = 1000;
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('evicts the least recently used beyond its bound', () => {
    const c = new DecisionCache<number>(3, () => 0);
    for (const k of ['a', 'b', 'c']) c.set(k, 1, 1000);
    c.get('a');
    c.set('d', 1, 1000);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    for (let i = 0; i < 10_000; i++) c.set(`k${i}`, i, 1000);
    expect(c.size).toBe(3);
    c.delete('k9999');
    expect(c.size).toBe(2);
  });
});
