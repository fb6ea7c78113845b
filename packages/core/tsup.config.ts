import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts', 'src/adapter.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  sourcemap: false,
  // ES modules share chunks between entries: an adapter importing both `@esper/core` and
  // `@esper/core/adapter` bundles each module once.
  splitting: true,
});
