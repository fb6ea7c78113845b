// `pnpm test:distributed`: app instances sharing one real redis-server (Debian's, installed if
// missing, started on a free port): the consistency run (3 processes × 2,000 requests, on
// Redis and on Upstash-over-Redis), the store faults and key expiry. Prints the results tables;
// exits non-zero on any failure. The JSON report goes to .ci-out/distributed.json (CI counts it).
import { readFileSync } from 'node:fs';
import { runVitest } from '../faults/report.mjs';

const file = runVitest('test/distributed/vitest.config.ts', 'distributed');
const report = JSON.parse(readFileSync(file, 'utf8'));
const tests = report.testResults.flatMap((s) => s.assertionResults);

function table(title, rows) {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  console.log(`\n${title}`);
  console.log(`| ${cols.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of rows)
    console.log(`| ${cols.map((c, i) => String(r[c]).padEnd(widths[i])).join(' | ')} |`);
}

table(
  'Consistency: 3 Node processes × 2,000 requests on one Redis ("more than 5 in 1 minute" per IP, "more than 20 % of tenant traffic" per user agent)',
  tests.filter((t) => t.meta?.row).map((t) => t.meta.row),
);
table(
  'Store faults (timeoutMs 300, store bound 200 ms; /login fails open, /admin closed)',
  tests
    .filter((t) => t.meta?.fault)
    .map((t) => ({ store: t.ancestorTitles[0].replace(' store faults', ''), ...t.meta.fault })),
);
table(
  'Key expiry (500 entities, 2 s window): DBSIZE every 0.5 s after the last event',
  tests
    .filter((t) => t.meta?.keys)
    .map((t) => ({ store: t.title.split(':')[0], keys: t.meta.keys })),
);
table(
  'Consistency: 3 Worker instances × 2,000 requests on one Durable Object namespace (workerd via miniflare; same policies and traffic)',
  tests.filter((t) => t.meta?.durableObjects).map((t) => t.meta.durableObjects),
);
const failed =
  report.numFailedTests +
  report.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
const skipped = report.numPendingTests;
console.log(
  `\ndistributed: ${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
);
process.exit(failed === 0 && report.numPassedTests > 0 ? 0 : 1);
