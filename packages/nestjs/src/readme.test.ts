import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

// The quick start is examples/nestjs's main.ts, which examples/nestjs/test builds and runs on
// Nest's Express and Fastify platforms: it must be that file, to the byte.
it('the README quick start is the tested example’s main.ts', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const shown = /<!-- file: examples\/nestjs\/src\/main\.ts -->\n```ts\n([\s\S]*?)```\n/.exec(
    readme,
  )?.[1];
  const file = readFileSync(new URL('../../../examples/nestjs/src/main.ts', import.meta.url));
  expect(shown).toBe(file.toString('utf8'));
  expect(shown).toContain('useEsper(app);');
});
