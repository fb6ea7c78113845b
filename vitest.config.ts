import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: [
            'packages/*/src/**/*.test.ts',
            'test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
          ],
          exclude: ['test/demo/**', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        // The demo builds and starts the examples, as their own tests do: it runs after every
        // other file so the two never write the same build output at once.
        extends: true,
        // One file at a time: the demo and the README test both build the examples' output.
        test: {
          name: 'demo',
          include: ['test/demo/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
        },
      },
    ],
  },
});
