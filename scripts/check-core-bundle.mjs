// Bundles @esper/core's main entry for the browser/edge and fails on any node: import.
// Prints min and gzip sizes (the README quotes them).
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['packages/core/dist/index.js'],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  conditions: ['edge-light', 'worker', 'browser'],
  write: false,
  metafile: true,
  logLevel: 'silent',
});
const nodeImports = Object.values(result.metafile.inputs).flatMap((i) =>
  i.imports.filter((x) => x.path.startsWith('node:')).map((x) => x.path),
);
const code = result.outputFiles[0].contents;
const gzip = gzipSync(code, { level: 9 }).length;
console.log(
  `@esper/core edge bundle: ${code.length} B min, ${gzip} B gzip, node: imports: ${nodeImports.length}`,
);
if (nodeImports.length > 0) {
  console.error(`@esper/core must stay Web-standard, but imports ${nodeImports.join(', ')}`);
  process.exit(1);
}
