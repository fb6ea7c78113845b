// `node test/routing/run.mjs`: path variants × every adapter target in its real runtime.
// Prints the verdict matrix (a cell passes when no handler ran without the runtime allowing a
// path that handler serves; see routing.ts), then what each platform did with each variant
// (status, the path its app routed on, what the runtime was asked). Writes the vitest JSON
// report to .ci-out/routing.json (scripts/count-results.mjs reads it); exits 1 on any failure.
import { readFileSync } from 'node:fs';
import { runVitest } from '../faults/report.mjs';

const SUFFIX = ' [known bug]';
const file = runVitest('test/routing/vitest.config.ts', 'routing');
const report = JSON.parse(readFileSync(file, 'utf8'));

const rows = [];
const cols = [];
const cells = new Map();
let failed = 0;
for (const suite of report.testResults) {
  if (!suite.name.includes('/test/routing/')) continue;
  if (suite.status === 'failed' && suite.assertionResults.every((t) => t.status !== 'failed')) {
    failed++;
    console.log(`suite failed outside its tests: ${suite.name}\n${suite.message}`);
  }
  for (const t of suite.assertionResults) {
    const [col] = t.ancestorTitles;
    if (!col) continue;
    const known = t.title.endsWith(SUFFIX);
    const row = known ? t.title.slice(0, -SUFFIX.length) : t.title;
    if (!rows.includes(row)) rows.push(row);
    if (!cols.includes(col)) cols.push(col);
    cells.set(`${row}\u0000${col}`, { status: t.status, known, seen: t.meta?.routing });
  }
}
if (rows.length === 0) {
  console.log('routing: no results');
  process.exit(1);
}

const text = (cell) => {
  if (!cell) return '—';
  if (cell.status === 'skipped' || cell.status === 'pending') return 'n/a';
  if (cell.status !== 'passed') return 'FAIL';
  if (cell.known) return 'KNOWN';
  // `+`: an (open) handler ran, after the runtime allowed its path.
  return `ok ${cell.seen?.status ?? ''}${cell.seen?.handler ? '+' : ''}`;
};
const rw = Math.max(...rows.map((r) => r.length));
const widths = cols.map((c) => Math.max(c.length, 7));
console.log(`\nRouting matrix (${rows.length} variants × ${cols.length} targets)`);
console.log(`${''.padEnd(rw)} | ${cols.map((c, i) => c.padEnd(widths[i])).join(' | ')}`);
for (const r of rows) {
  const line = cols.map((c, i) => {
    const t = text(cells.get(`${r}\u0000${c}`));
    if (t === 'FAIL' || t === '—') failed++;
    return t.padEnd(widths[i]);
  });
  console.log(`${r.padEnd(rw)} | ${line.join(' | ')}`);
}
console.log(
  'ok NNN: passed, with the status the client got (+: an open handler ran); KNOWN: a reported\n' +
    'bypass run as an expected failure (see the suite file); n/a: no such request on that platform',
);

// What each platform made of each variant, targets with the same outcome grouped together.
console.log('\nObserved: status, the path the app routed on (app), what the runtime was asked');
for (const r of rows) {
  const groups = new Map();
  for (const c of cols) {
    const cell = cells.get(`${r}\u0000${c}`);
    if (!cell?.seen) continue;
    const s = cell.seen;
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
