import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

// The README quotes examples/react-router, whose own test builds and runs it ("// …" stands
// for the lines left out).
it('quotes the example as it is: its lines, in order', () => {
  const quoted = [
    ...read('../README.md').matchAll(
      /<!-- from: examples\/react-router\/(\S+) -->\n```\w*\n([\s\S]*?)```\n/g,
    ),
  ];
  expect(quoted.map(([, file]) => file)).toEqual(['app/root.tsx', 'server/app.ts']);
  for (const [, file, code] of quoted) {
    const lines = read(`../../../examples/react-router/${file}`).split('\n');
    let at = 0;
    for (const line of code!.split('\n').filter((l) => l.trim() && l.trim() !== '// …')) {
      const found = lines.indexOf(line, at);
      expect(found, `${file}: ${line}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  }
});
