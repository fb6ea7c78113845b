// `npm run build`: the same esbuild settings as template.yaml's Metadata, so dist/ holds what
// `sam build` deploys (one ESM file per function).
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const DIR = fileURLToPath(new URL('..', import.meta.url));

export async function buildFunctions() {
  await build({
    entryPoints: [`${DIR}src/handler.ts`, `${DIR}src/middy.ts`],
    outdir: `${DIR}dist`,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    // Bundled CommonJS dependencies (undici) call require(); ESM on Lambda has none without this.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildFunctions();
