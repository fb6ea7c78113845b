// Prints "N passed, N failed" summed over vitest JSON reports; exits non-zero on any failure.
// Usage: node scripts/count-results.mjs <exit statuses, comma-separated> <report.json>...
import { existsSync, readFileSync } from 'node:fs';

const [statuses, ...files] = process.argv.slice(2);
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
