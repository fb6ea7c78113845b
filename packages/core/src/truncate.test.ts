import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keepEnd, keepStart } from './truncate.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const lone = (s: string) =>
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('truncate', () => {
  it('keeps short strings and cuts long ones', () => {
    expect(keepStart('abc', 5)).toBe('abc');
    expect(keepStart('abcdef', 3)).toBe('abc');
    expect(keepEnd('abcdef', 3)).toBe('def');
  });

  it('never splits a surrogate pair', () => {
    expect(keepStart('a😀b', 2)).toBe('a');
    expect(keepEnd('a😀b', 2)).toBe('b');
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.integer({ min: 0, max: 50 }),
        (s, n) => {
          const start = keepStart(s, n);
          const end = keepEnd(s, n);
          return (
            start.length <= n &&
            end.length <= n &&
            !lone(start) &&
            !lone(end) &&
            s.startsWith(start) &&
            s.endsWith(end)
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});
