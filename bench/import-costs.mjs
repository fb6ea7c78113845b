// Where import time goes on this Node: each line is a fresh process timing one `import()`,
// median of 7. An empty file and a builtin set the loader's own cost; @esper/core/node by path
// and by name shows what resolving a package specifier adds. Not part of `pnpm bench`.
// Usage: node bench/import-costs.mjs
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { here, median, runNode } from './lib.mjs';

const empty = join(tmpdir(), 'esper-empty-module.mjs');
writeFileSync(empty, 'export default 1;\n');
const nodeEntry = here('../packages/core/dist/node.js');
const cases = [
  ['an empty file, by path', empty, ''],
  ['node:url (ESM)', 'node:url', ''],
  ['node:crypto (ESM)', 'node:crypto', ''],
  ['node:http (ESM)', 'node:http', ''],
  ['@esper/core', '@esper/core', ''],
  ['@esper/core/node by path, core loaded', nodeEntry, '@esper/core'],
  ['@esper/core/node by name, core loaded', '@esper/core/node', '@esper/core'],
];
for (const [label, spec, preload] of cases) {
  const ms = [];
  for (let i = 0; i < 7; i++)
    ms.push(
      (await runNode(here('./import-one.mjs'), [spec], { env: { BENCH_PRELOAD: preload } })).ms,
    );
  console.log(`${label.padEnd(40)} ${median(ms).toFixed(2)} ms`);
}
