import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Run by `node test/routing/run.mjs`, which prints variant × target; `*.suite.ts` is outside
// the root config's `*.test.ts`, so `pnpm test` does not run these twice.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  // The packages' sources, as in the root config (see `@esper/source` in their exports).
  resolve: { conditions: ['@esper/source'] },
  ssr: { resolve: { conditions: ['@esper/source'] } },
  test: {
    include: ['test/routing/**/*.suite.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
