// `pnpm test:conformance`: runs the cross-adapter suite and prints target × scenario.
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
const LIMIT_SUFFIX = ' [platform limit]';
const cells = new Map();
const targets = [];
const scenarios = [];
let loadFailures = 0;
for (const suite of report.testResults) {
  if (!suite.name.includes('/test/conformance/')) continue;
  if (suite.assertionResults.length === 0 && suite.status === 'failed') {
    loadFailures++;
    console.log(`conformance suite failed to load: ${suite.name}\n${suite.message}`);
  }
  for (const t of suite.assertionResults) {
    const [target] = t.ancestorTitles;
    // A target's own platform checks (nested describes) count in CI's total, not in the matrix.
    if (!target || t.ancestorTitles.length > 1) continue;
    const limited = t.title.endsWith(LIMIT_SUFFIX);
    const title = limited ? t.title.slice(0, -LIMIT_SUFFIX.length) : t.title;
    if (!targets.includes(target)) targets.push(target);
    if (!scenarios.includes(title)) scenarios.push(title);
    // A limitation "passes" when the scenario failed, as the platform makes it fail.
    cells.set(`${target}\u0000${title}`, limited && t.status === 'passed' ? 'limit' : t.status);
  }
}
// Only describes that ran the shared scenarios are targets (every one has 'allow'); other
// tests living in test/conformance (README checks) are not part of the matrix.
for (const t of [...targets]) {
  if (!cells.has(`${t}\u0000allow`)) targets.splice(targets.indexOf(t), 1);
}
for (const s of [...scenarios]) {
  if (!targets.some((t) => cells.has(`${t}\u0000${s}`))) scenarios.splice(scenarios.indexOf(s), 1);
}
if (targets.length === 0) {
  console.log('conformance: no results');
  process.exit(1);
}
const mark = {
  passed: 'pass',
  limit: 'limit',
  failed: 'FAIL',
  skipped: 'skip',
  pending: 'skip',
  todo: 'todo',
};
const width = Math.max(...scenarios.map((s) => s.length));
console.log(`\nConformance matrix (${targets.length} targets × ${scenarios.length} scenarios)`);
console.log(`${''.padEnd(width)} | ${targets.join(' | ')}`);
let failed = loadFailures;
for (const s of scenarios) {
  const row = targets.map((t) => {
    const status = cells.get(`${t}\u0000${s}`);
    if (status !== 'passed' && status !== 'limit') failed++;
    return (mark[status] ?? '—').padEnd(t.length);
  });
  console.log(`${s.padEnd(width)} | ${row.join(' | ')}`);
}
console.log(failed === 0 ? 'conformance: all passed' : `conformance: ${failed} cell(s) not passed`);
process.exit(failed === 0 ? 0 : 1);
