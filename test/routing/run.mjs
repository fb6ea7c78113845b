// `node test/routing/run.mjs`: path variants × every adapter target in its real runtime.
// Prints the verdict matrix (a cell passes when no handler ran without the runtime allowing a
// path that handler serves; see routing.ts), then what each platform did with each variant
// (status, the path its app routed on, what the runtime was asked). Writes the vitest JSON
// report to .ci-out/routing.json (scripts/count-results.mjs reads it); exits 1 on any failure.
import { printTable, readMatrix, runVitest } from '../faults/report.mjs';

const file = runVitest('test/routing/vitest.config.ts', 'routing');
// Rows are the variants, columns the targets.
const matrix = readMatrix(file, { dir: 'test/routing', transpose: true });
const { rows, cols } = matrix;
if (rows.length === 0) {
  console.log('routing: no results');
  process.exit(1);
}
const seenAt = (r, c) => matrix.cell(r, c)?.test.meta?.routing;

const text = (r, c) => {
  const cell = matrix.cell(r, c);
  if (!cell) return '—';
  const { status } = cell.test;
  if (status === 'skipped' || status === 'pending') return 'n/a';
  if (status !== 'passed') return 'FAIL';
  if (cell.known) return 'KNOWN';
  // `+`: an (open) handler ran, after the runtime allowed its path.
  const seen = seenAt(r, c);
  return `ok ${seen?.status ?? ''}${seen?.handler ? '+' : ''}`;
};
let failed = matrix.failed;
failed += printTable('Routing matrix: variants × targets', matrix, text, 7);
console.log(
  'ok NNN: passed, with the status the client got (+: an open handler ran); KNOWN: a reported\n' +
    'bypass run as an expected failure (see the suite file); n/a: no such request on that platform',
);

// What each platform made of each variant, targets with the same outcome grouped together.
console.log('\nObserved: status, the path the app routed on (app), what the runtime was asked');
for (const r of rows) {
  const groups = new Map();
  for (const c of cols) {
    const s = seenAt(r, c);
    if (!s) continue;
    const asked = s.asked.length
      ? s.asked.map((a) => `${a.path} ${a.action}`).join(', ')
      : 'not asked';
    const app = s.appPath === undefined ? '' : ` app ${s.appPath}`;
    const key = `${s.status}${s.handler ? ` ${s.handler}` : ''}${app}; runtime: ${asked}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  console.log(`${r}`);
  for (const [key, targets] of groups) console.log(`    ${targets.join(', ')}: ${key}`);
}

console.log(failed === 0 ? 'routing: all passed' : `routing: ${failed} cell(s) not passed`);
process.exit(failed === 0 ? 0 : 1);
