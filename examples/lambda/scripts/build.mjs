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

/** Written into the Lambda@Edge bundle, which has no environment of its own at run time. */
const EDGE_SETTINGS = [
  'ESPER_API_KEY',
  'ESPER_API_SECRET',
  'ESPER_API_BASE',
  'ESPER_MODE',
  'ESPER_TIMEOUT_MS',
];

/** src/edge.ts, with the settings of the build's environment in the bundle (dist/edge.mjs). */
export async function buildEdge(env = process.env) {
  await build({
    entryPoints: [`${DIR}src/edge.ts`],
    outdir: `${DIR}dist`,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    define: Object.fromEntries(
      EDGE_SETTINGS.map((name) => [`process.env.${name}`, JSON.stringify(env[name] ?? '')]),
    ),
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildFunctions();
  await buildEdge();
}
