import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The fault matrix runs on its own (`pnpm test:faults`), not in `pnpm test`: `*.suite.ts` is
// outside the root config's `*.test.ts`.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/faults/**/*.suite.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
