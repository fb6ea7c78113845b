// Edge bundle size of each package's main entry, as a user's bundler would ship it:
// esbuild --bundle --minify --format=esm, conditions workerd,worker,edge-light,browser, gzip -9.
// Frameworks the user already has (next, hono, react) are external; @vercel/edge is a real
// dependency of @esper/vercel and is bundled. `--profile` adds bytes per source file, from a
// bundle of the TypeScript sources (same code, per-file attribution).
// Usage: node bench/bundle.mjs [--profile]   (also imported by test/budget)
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { emit, here } from './lib.mjs';

export const EDGE_PACKAGES = ['core', 'cloudflare', 'vercel', 'hono'];
export const EXTERNAL = ['next', 'next/*', 'hono', 'hono/*', 'react', 'react-dom'];
const CONDITIONS = ['workerd', 'worker', 'edge-light', 'browser'];

export async function bundleSize(entry, { alias, external = EXTERNAL } = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: CONDITIONS,
    external,
    alias,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const files = Object.fromEntries(
    Object.entries(inputs)
      .filter(([, v]) => v.bytesInOutput > 0)
      .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
      .map(([k, v]) => [k.replace(/^.*node_modules\//, ''), v.bytesInOutput]),
  );
  const nodeImports = Object.values(result.metafile.inputs).flatMap((i) =>
    i.imports.filter((x) => x.path.startsWith('node:')).map((x) => x.path),
  );
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length, files, nodeImports };
}

export function packageBundle(pkg) {
  return bundleSize(here(`../packages/${pkg}/dist/index.js`));
}

export function sourceProfile(pkg) {
  return bundleSize(here(`../packages/${pkg}/src/index.ts`), {
    alias: {
      '@esper/core/adapter': here('../packages/core/src/adapter.ts'),
      '@esper/core': here('../packages/core/src/index.ts'),
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bundle = {};
  const profile = {};
  for (const pkg of EDGE_PACKAGES) {
    const { min, gzip } = await packageBundle(pkg);
    bundle[pkg] = { min, gzip };
    if (process.argv.includes('--profile')) profile[pkg] = (await sourceProfile(pkg)).files;
  }
  emit({ bundle, ...(process.argv.includes('--profile') ? { profile } : {}) });
}
