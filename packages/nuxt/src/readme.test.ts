import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

it('the README snippet is examples/nuxt/server/middleware/esper.ts, which its test builds and runs', () => {
  const snippet = read('../README.md').match(/```ts\n([\s\S]*?)```/)?.[1];
  expect(snippet).toBe(read('../../../examples/nuxt/server/middleware/esper.ts'));
});
