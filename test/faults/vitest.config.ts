import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The fault matrix runs on its own (`pnpm test:faults`), not in `pnpm test`: `*.suite.ts` is
// outside the root config's `*.test.ts`.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  // The packages' sources, as in the root config (see `@esper/source` in their exports).
  resolve: { conditions: ['@esper/source'] },
  ssr: { resolve: { conditions: ['@esper/source'] } },
  test: {
    include: ['test/faults/**/*.suite.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
