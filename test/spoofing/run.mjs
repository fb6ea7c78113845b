// `node test/spoofing/run.mjs [--ci]`: client-sent IP headers × every platform; prints the
// matrix. A cell passes when the runtime got the platform's client IP for both an IPv4 and an
// IPv6 platform address. `--ci` (or SPOOFING_CI=1) leaves out the two real-Next targets.
import { printMatrix, runVitest } from '../faults/report.mjs';

const ci = process.argv.includes('--ci') || process.env.SPOOFING_CI === '1';
const file = runVitest(
  'test/spoofing/vitest.config.ts',
  'spoofing',
  ci ? ['--exclude', 'test/spoofing/next.suite.ts'] : [],
);
// The header cases and the repeated-line cases are two matrices: their columns differ.
const failed =
  printMatrix(file, {
    title: `Spoofing matrix${ci ? ' (CI: without the real-Next targets)' : ''}: platform × client-sent header`,
    dir: 'test/spoofing',
    files: /(?<!lines)\.suite\.ts$/,
  }) +
  printMatrix(file, {
    title: "Repeated header lines, as each platform's proxy passes them",
    dir: 'test/spoofing',
    files: /lines\.suite\.ts$/,
  });
console.log(failed === 0 ? 'spoofing: all passed' : `spoofing: ${failed} cell(s) not passed`);
process.exit(failed === 0 ? 0 : 1);
