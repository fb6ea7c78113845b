import { defineConfig, type Options } from 'tsup';

/**
 * How every package builds: ESM + CJS + d.ts for ES2022, no source maps. A package names its
 * entries and platform (`neutral` for the Web-standard ones, `node` for the rest) and, for
 * core only, shared chunks.
 */
export function packageBuild(options: Pick<Options, 'entry' | 'platform' | 'splitting'>) {
  return defineConfig({
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'es2022',
    sourcemap: false,
    splitting: false,
    ...options,
  });
}
