import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `pnpm test:distributed`: several processes sharing one real redis-server. `*.suite.ts`, so
// outside the root config's `*.test.ts`; run by test/distributed/run.mjs (and CI's own step).
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { conditions: ['@esper/source'] },
  ssr: { resolve: { conditions: ['@esper/source'] } },
  test: {
    include: ['test/distributed/**/*.suite.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // One suite at a time: each starts its own redis-server and processes on 2 shared cores.
    fileParallelism: false,
  },
});
