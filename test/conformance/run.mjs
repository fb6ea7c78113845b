// `pnpm test:conformance`: runs the cross-adapter suite and prints target × scenario, each cell
// the cloud and the hybrid column's result.
// With `--from report.json` it only prints the matrix from an existing vitest JSON report.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

let file = process.argv[process.argv.indexOf('--from') + 1];
if (!process.argv.includes('--from')) {
  mkdirSync('.ci-out', { recursive: true });
  file = '.ci-out/conformance.json';
  spawnSync(
    'npx',
    [
      'vitest',
      'run',
      'test/conformance',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${file}`,
    ],
    { stdio: 'inherit' },
  );
}
const report = JSON.parse(readFileSync(file, 'utf8'));
// Kept in step with scenarios.ts / world.ts.
const LIMIT_SUFFIX = ' [platform limit]';
const HYBRID_SUFFIX = ' [hybrid]';
const NA_PREFIX = ' [n/a: ';
const COLUMNS = ['cloud', 'hybrid'];
const cells = new Map();
const targets = [];
const scenarios = [];
/** `column\0scenario` → why the scenario cannot apply in that column. */
const reasons = new Map();
let loadFailures = 0;
for (const suite of report.testResults) {
  if (!suite.name.includes('/test/conformance/')) continue;
  if (suite.assertionResults.length === 0 && suite.status === 'failed') {
    loadFailures++;
    console.log(`conformance suite failed to load: ${suite.name}\n${suite.message}`);
  }
  for (const t of suite.assertionResults) {
    const [described] = t.ancestorTitles;
    // A target's own platform checks (nested describes) count in CI's total, not in the matrix.
    if (!described || t.ancestorTitles.length > 1) continue;
    const column = described.endsWith(HYBRID_SUFFIX) ? 'hybrid' : 'cloud';
    const target = column === 'hybrid' ? described.slice(0, -HYBRID_SUFFIX.length) : described;
    let title = t.title;
    let status = t.status;
    const na = title.indexOf(NA_PREFIX);
    if (na >= 0 && title.endsWith(']') && status !== 'failed') {
      reasons.set(`${column}\u0000${title.slice(0, na)}`, title.slice(na + NA_PREFIX.length, -1));
      title = title.slice(0, na);
      status = 'n/a';
    }
    const limited = title.endsWith(LIMIT_SUFFIX);
    if (limited) title = title.slice(0, -LIMIT_SUFFIX.length);
    if (!targets.includes(target)) targets.push(target);
    if (!scenarios.includes(title)) scenarios.push(title);
    // A limitation "passes" when the scenario failed, as the platform makes it fail.
    cells.set(
      `${target}\u0000${column}\u0000${title}`,
      limited && status === 'passed' ? 'limit' : status,
    );
  }
}
const cell = (target, column, scenario) => cells.get(`${target}\u0000${column}\u0000${scenario}`);
// Only describes that ran the shared scenarios are targets (every one has 'allow'); other
// tests living in test/conformance (README checks) are not part of the matrix.
for (const t of [...targets]) {
  if (!cell(t, 'cloud', 'allow')) targets.splice(targets.indexOf(t), 1);
}
for (const s of [...scenarios]) {
  if (!targets.some((t) => COLUMNS.some((c) => cell(t, c, s))))
    scenarios.splice(scenarios.indexOf(s), 1);
}
if (targets.length === 0) {
  console.log('conformance: no results');
  process.exit(1);
}
const mark = {
  passed: 'pass',
  limit: 'limit',
  'n/a': 'n/a',
  failed: 'FAIL',
  skipped: 'skip',
  pending: 'skip',
  todo: 'todo',
};
const OK = new Set(['passed', 'limit', 'n/a']);
const width = Math.max(...scenarios.map((s) => s.length));
const widths = targets.map((t) => Math.max(t.length, 'limit/limit'.length));
console.log(
  `\nConformance matrix (${targets.length} targets × ${scenarios.length} scenarios; each cell: cloud/hybrid)`,
);
console.log(`${''.padEnd(width)} | ${targets.map((t, i) => t.padEnd(widths[i])).join(' | ')}`);
let failed = loadFailures;
for (const s of scenarios) {
  const row = targets.map((t, i) => {
    const both = COLUMNS.map((c) => {
      const status = cell(t, c, s);
      if (!OK.has(status)) failed++;
      return mark[status] ?? '—';
    });
    return both.join('/').padEnd(widths[i]);
  });
  console.log(`${s.padEnd(width)} | ${row.join(' | ')}`);
}
if (reasons.size > 0) console.log('\nn/a: scenarios that cannot apply in a column, and why');
for (const [key, reason] of reasons) {
  const [column, scenario] = key.split('\u0000');
  console.log(`  ${column}: ${scenario}: ${reason}`);
}
console.log(failed === 0 ? 'conformance: all passed' : `conformance: ${failed} cell(s) not passed`);
process.exit(failed === 0 ? 0 : 1);
