import { defineConfig } from 'vitest/config';

// Tests run on the sources: each workspace package's "exports" entries start with the condition
// "@esper/source" (./src/*.ts; `node scripts/source-exports.mjs` checks it), so neither `vitest`
// nor an IDE ever tests a stale dist, and no test of the `suite` project needs a build. Vitest
// adds its own default conditions after this one.
const SOURCE = ['@esper/source'];

// Tests that run the packages as built, the way a user gets them: a fresh Node process loading
// the package, a user's toolchain on an example (tsc, esbuild as wrangler and SAM do, `next
// build`), the shipped edge bundle's size. Their project builds whatever is stale first
// (scripts/vitest-build-if-stale.mjs). A new test that does the same belongs here.
const BUILT = [
  'examples/*/test/**/*.test.ts',
  'test/conformance/vercel-next.test.ts',
  'test/conformance/vercel-next-edge.test.ts',
  'test/budget/**/*.test.ts',
  'packages/express/src/middleware.test.ts',
  'packages/express/src/readme.test.ts',
  'packages/fastify/src/readme.test.ts',
  'packages/node/src/readme.test.ts',
  'packages/lambda/src/startup.test.ts',
  'packages/runtime/src/cli/readme.test.ts',
];
const BUILD_IF_STALE = './scripts/vitest-build-if-stale.mjs';

export default defineConfig({
  resolve: { conditions: [...SOURCE] },
  ssr: { resolve: { conditions: [...SOURCE] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/demo/**', ...BUILT, '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'built',
          include: BUILT,
          exclude: ['**/node_modules/**', '**/dist/**'],
          globalSetup: [BUILD_IF_STALE],
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
          globalSetup: [BUILD_IF_STALE],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
        },
      },
    ],
  },
});
