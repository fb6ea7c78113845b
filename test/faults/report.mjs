// Prints a row × column matrix from a vitest JSON report: rows are the describe (target or
// platform) names, columns the test titles. Shared by test/faults and test/spoofing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

/** Runs vitest with `config` over `files`, writing a JSON report; returns its path. */
export function runVitest(config, name, args = []) {
  mkdirSync('.ci-out', { recursive: true });
  const file = `.ci-out/${name}.json`;
  spawnSync(
    'npx',
    [
      'vitest',
      'run',
      '--config',
      config,
      ...args,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${file}`,
    ],
    { stdio: 'inherit' },
  );
  return file;
}

/**
 * `cell(test)` gives the text for a passed test (e.g. its measured ms); failures print FAIL.
 * Returns the number of cells (and suites) that did not pass.
 */
export function printMatrix(file, { title, dir, cell = () => 'ok', suffix = ' [known bug]' }) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const rows = [];
  const cols = [];
  const cells = new Map();
  let failed = 0;
  for (const suite of report.testResults) {
    if (!suite.name.includes(`/${dir}/`)) continue;
    if (suite.status === 'failed' && suite.assertionResults.every((t) => t.status !== 'failed')) {
      failed++;
      console.log(`suite failed outside its tests: ${suite.name}\n${suite.message}`);
    }
    for (const t of suite.assertionResults) {
      const [row] = t.ancestorTitles;
      if (!row) continue;
      // An expected failure (a known, reported bug) that failed as expected prints KNOWN.
      const known = t.title.endsWith(suffix);
      const col = known ? t.title.slice(0, -suffix.length) : t.title;
      if (!rows.includes(row)) rows.push(row);
      if (!cols.includes(col)) cols.push(col);
      const passed = known ? 'KNOWN' : cell(t);
      const text = { passed, failed: 'FAIL', skipped: 'skip', pending: 'skip' }[t.status];
      cells.set(`${row}\u0000${col}`, text ?? t.status);
    }
  }
  if (rows.length === 0) {
    console.log(`${title}: no results`);
    return 1;
  }
  const rw = Math.max(...rows.map((r) => r.length));
  const widths = cols.map((c) => Math.max(c.length, 10));
  console.log(`\n${title} (${rows.length} × ${cols.length})`);
  console.log(`${''.padEnd(rw)} | ${cols.map((c, i) => c.padEnd(widths[i])).join(' | ')}`);
  for (const r of rows) {
    const line = cols.map((c, i) => {
      const text = cells.get(`${r}\u0000${c}`) ?? '—';
      if (text === 'FAIL' || text === '—') failed++;
      return text.padEnd(widths[i]);
    });
    console.log(`${r.padEnd(rw)} | ${line.join(' | ')}`);
  }
  return failed;
}
