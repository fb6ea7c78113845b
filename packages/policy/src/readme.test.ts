import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as policy from './index.js';

const here = new URL('.', import.meta.url);
const readme = readFileSync(new URL('../README.md', here), 'utf8');

function usageSnippet(): string {
  const section = readme.slice(readme.indexOf('## Usage'));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('no js block under ## Usage');
  return match[1];
}

describe('README', () => {
  it('usage example runs and prints what its comments say', async () => {
    const source = usageSnippet();
    const importLine = /^import \{([^}]+)\} from '@esper\/policy';\n/m.exec(source);
    expect(importLine).not.toBeNull();
    const names = (importLine?.[1] ?? '').split(',').map((n) => n.trim());
    for (const name of names) expect(policy).toHaveProperty(name);

    const logged: unknown[] = [];
    const console = { log: (value: unknown) => logged.push(value) };
    const body = source.replace(importLine?.[0] ?? '', '');
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...values: unknown[]) => Promise<void>;
    const run = new AsyncFunction(...names, 'console', body);
    await run(...names.map((n) => (policy as Record<string, unknown>)[n]), console);

    const expected = [...body.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map(
      (m) => m[1] as string,
    );
    expect(expected.length).toBeGreaterThan(5);
    expect(logged).toHaveLength(expected.length);
    expected.forEach((comment, i) => {
      const want = /^[[{"]/.test(comment) ? JSON.parse(comment) : comment;
      expect(logged[i], `console.log #${i + 1}`).toEqual(want);
    });
  });

  it('every test cited in the coverage table exists', () => {
    const table = readme.slice(readme.indexOf('## Coverage'), readme.indexOf('## Benchmark'));
    const rows = [
      ...table.matchAll(/^\|\s*(.+?)\s*\|\s*(.+?)\s*\|\s*(\S+\.test\.ts)\s*\|\s*(.+?)\s*\|$/gm),
    ];
    expect(rows.length).toBeGreaterThan(25);
    for (const [, item, , file, name] of rows) {
      const text = readFileSync(new URL(file as string, here), 'utf8');
      for (const part of (name as string).split(' › ')) {
        // Test names are written as string literals; quotes inside them are escaped nowhere.
        expect(text.includes(part), `${item}: '${part}' in ${file}`).toBe(true);
      }
    }
  });

  it('names every node type, operator, scope, counter, outcome, mode and window of the seeds', () => {
    const table = readme.slice(readme.indexOf('## Coverage'), readme.indexOf('## Benchmark'));
    const items = [
      ...policy.NODE_TYPES,
      ...policy.OPERATORS,
      ...policy.SCOPES,
      ...policy.COUNTERS,
      ...policy.OUTCOMES,
      ...policy.MITIGATION_MODES,
      ...policy.WINDOW_SECONDS.map(String),
      'count',
      'share',
      'form (a)',
      'form (b)',
    ];
    for (const item of items) expect(table, item).toContain(item);
  });
});
