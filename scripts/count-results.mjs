// Prints "N passed, N failed" summed over vitest JSON reports; exits non-zero on any failure.
// Usage: node scripts/count-results.mjs <exit statuses, comma-separated> <report.json>...
// Also counted: every `*.checks.json` next to the first report (scripts that are not vitest,
// e.g. test/packaging/run.mjs --json: `{ "passed": N, "failed": N, "checks": [...] }`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const [statuses, ...listed] = process.argv.slice(2);
const files = [...listed];
if (listed[0] && existsSync(dirname(listed[0]))) {
  const dir = dirname(listed[0]);
  const seen = new Set(listed.map((f) => resolve(f)));
  for (const f of readdirSync(dir).sort())
    if (f.endsWith('.checks.json') && !seen.has(resolve(dir, f))) files.push(join(dir, f));
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  if (!existsSync(file)) {
    console.log(`no report: ${file}`);
    failed++;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  if (file.endsWith('.checks.json')) {
    passed += report.passed ?? 0;
    failed += report.failed ?? 0;
    console.log(`${file}: ${report.passed} passed, ${report.failed} failed`);
    continue;
  }
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // A file that failed to load counts as a failure even though none of its tests ran.
  failed += (report.testResults ?? []).filter(
    (r) => r.status === 'failed' && r.assertionResults.length === 0,
  ).length;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
// A step that failed without a failing test (a crash, a matrix cell, the soak) still fails CI.
const stepFailures = statuses.split(',').filter((s) => s !== '0').length;
if (failed === 0 && stepFailures > 0) failed = stepFailures;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
