// Prints "N passed, N failed" from a vitest JSON report; exits non-zero on any failure.
import { existsSync, readFileSync } from 'node:fs';

const [file, status] = process.argv.slice(2);
if (!existsSync(file)) {
  console.log('vitest wrote no report');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = report.numPassedTests ?? 0;
// A suite that failed to load counts as a failure even though none of its tests ran.
const failed =
  (report.numFailedTests ?? 0) +
  (report.testResults ?? []).filter((r) => r.status === 'failed' && r.assertionResults.length === 0)
    .length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const ok = failed === 0 && passed > 0 && Number(status) === 0;
console.log(
  `${passed} passed, ${failed === 0 && !ok ? 1 : failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
);
process.exit(ok ? 0 : 1);
