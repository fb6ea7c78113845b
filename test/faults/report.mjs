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
 * The tests of one suite folder as a matrix: by default rows are the describe (target or
 * platform) names and columns the test titles; `transpose` swaps them. Each cell keeps its
 * vitest test and whether it is a known, reported bug (`suffix` on its title). `failed` counts
 * suites that failed outside their tests; `files` keeps only the suite files it matches.
 */
export function readMatrix(file, { dir, suffix = ' [known bug]', transpose = false, files }) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const rows = [];
  const cols = [];
  const cells = new Map();
  let failed = 0;
  for (const suite of report.testResults) {
    if (!suite.name.includes(`/${dir}/`) || (files && !files.test(suite.name))) continue;
    if (suite.status === 'failed' && suite.assertionResults.every((t) => t.status !== 'failed')) {
      failed++;
      console.log(`suite failed outside its tests: ${suite.name}\n${suite.message}`);
    }
    for (const t of suite.assertionResults) {
      const [group] = t.ancestorTitles;
      if (!group) continue;
      const known = t.title.endsWith(suffix);
      const title = known ? t.title.slice(0, -suffix.length) : t.title;
      const [row, col] = transpose ? [title, group] : [group, title];
      if (!rows.includes(row)) rows.push(row);
      if (!cols.includes(col)) cols.push(col);
      cells.set(`${row}\u0000${col}`, { test: t, known });
    }
  }
  return { rows, cols, cell: (row, col) => cells.get(`${row}\u0000${col}`), failed };
}

/** Prints the matrix; `text(row, col)` gives a cell's text. Returns the cells not passed. */
export function printTable(title, { rows, cols }, text, minWidth = 10) {
  let failed = 0;
  const rw = Math.max(...rows.map((r) => r.length));
  const widths = cols.map((c) => Math.max(c.length, minWidth));
  console.log(`\n${title} (${rows.length} × ${cols.length})`);
  console.log(`${''.padEnd(rw)} | ${cols.map((c, i) => c.padEnd(widths[i])).join(' | ')}`);
  for (const r of rows) {
    const line = cols.map((c, i) => {
      const t = text(r, c);
      if (t === 'FAIL' || t === '—') failed++;
      return t.padEnd(widths[i]);
    });
    console.log(`${r.padEnd(rw)} | ${line.join(' | ')}`);
  }
  return failed;
}

/**
 * `cell(test)` gives the text for a passed test (e.g. its measured ms); failures print FAIL,
 * and an expected failure (a known, reported bug) that failed as expected prints KNOWN.
 * Returns the number of cells (and suites) that did not pass.
 */
export function printMatrix(
  file,
  { title, dir, cell = () => 'ok', suffix = ' [known bug]', files },
) {
  const matrix = readMatrix(file, { dir, suffix, files });
  if (matrix.rows.length === 0) {
    console.log(`${title}: no results`);
    return 1;
  }
  const text = (row, col) => {
    const c = matrix.cell(row, col);
    if (!c) return '—';
    const passed = c.known ? 'KNOWN' : cell(c.test);
    return (
      { passed, failed: 'FAIL', skipped: 'skip', pending: 'skip' }[c.test.status] ?? c.test.status
    );
  };
  return matrix.failed + printTable(title, matrix, text);
}
