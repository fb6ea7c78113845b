// `pnpm demo`: the whole product on one machine. A mock Esper runtime decides from the
// quickstart tenant's policies; the five examples are built and started in their real
// runtimes, pointed at it; mixed traffic goes through each, playing each platform; the run
// ends with what every adapter did and what every policy decided. Then the hybrid pass: the same
// adapters pointed at `esper run` (the local daemon, synced from `esper origin`), and an app
// without the SDK behind `esper capture run --enforce`, the same traffic, origin's counts checked
// against it, and cloud and hybrid latency side by side. It exits 0 only if every adapter
// challenged and blocked, and allowed its normal users, in both passes, and origin's counts match.
//
// Environment:
//   DEMO_SKIP=nextjs,…   adapters to leave out (nextjs's `next build` is the slow step)
//   DEMO_ONLY=hono,…     run only these adapters
//   DEMO_MODE=monitor    ESPER_MODE for the examples (default live: they enforce)
//   DEMO_OUT=dir         where results.html and summary.json go (default .demo)
//   DEMO_TIMEOUT_S=600   the whole run's limit
//   DEMO_HYBRID=off      leave out the hybrid pass (esper run, esper capture run --enforce)
import { mkdir, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { resultsPage } from './demo/html.mjs';
import { hybridFindings, hybridPass, hybridSections } from './demo/hybrid-pass.mjs';
import cloudflare from './demo/launchers/cloudflare.mjs';
import express from './demo/launchers/express.mjs';
import hono from './demo/launchers/hono.mjs';
import lambda from './demo/launchers/lambda.mjs';
import nextjs from './demo/launchers/nextjs.mjs';
import { line, step } from './demo/log.mjs';
import * as print from './demo/print.mjs';
import { adapterRows, policyRows, roleRows, summarize, table } from './demo/report.mjs';
import { startRuntime, TENANT } from './demo/runtime.mjs';
import { runTraffic } from './demo/traffic.mjs';

const ALL = [nextjs, cloudflare, lambda, express, hono];
// The SDK's default budget (300 ms) is for production. Here one machine runs the runtime, the
// builds and every example: a generous budget keeps a slow moment from failing open.
const TIMEOUT_MS = 2000;

const list = (v) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const skip = list(process.env.DEMO_SKIP);
const only = list(process.env.DEMO_ONLY);
for (const name of [...skip, ...only]) {
  if (!ALL.some((a) => a.name === name)) {
    console.error(`demo: unknown adapter "${name}" (one of ${ALL.map((a) => a.name).join(', ')})`);
    process.exit(2);
  }
}
const mode = process.env.DEMO_MODE ?? 'live';
if (mode !== 'live' && mode !== 'monitor') {
  console.error('demo: DEMO_MODE is live or monitor');
  process.exit(2);
}
const selected = ALL.filter(
  (a) => !skip.includes(a.name) && (only.length === 0 || only.includes(a.name)),
);
const outDir = resolve(process.env.DEMO_OUT ?? '.demo');
const limitS = Number(process.env.DEMO_TIMEOUT_S ?? 600);
const hybridOn = process.env.DEMO_HYBRID !== 'off';

/** Everything started, stopped in reverse order whatever happens. */
const running = [];
async function stopAll() {
  for (const stop of running.splice(0).reverse()) await stop().catch(() => {});
}
const watchdog = setTimeout(async () => {
  console.error(`\ndemo: not finished after ${limitS}s; stopping`);
  await stopAll();
  process.exit(1);
}, limitS * 1000);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await stopAll();
    process.exit(130);
  });
}
const message = (err) => (err instanceof Error ? err.message : String(err));

async function main() {
  console.log(
    'Esper demo: a mock runtime with the quickstart tenant, the examples in their runtimes.\n',
  );
  const runtime = await step('runtime     start: mock runtime, quickstart tenant', startRuntime);
  running.push(runtime.close);
  const leftOut = ALL.filter((a) => !selected.includes(a)).map((a) => a.name);
  print.setup({ runtime, mode, timeoutMs: TIMEOUT_MS, selected, leftOut });

  const env = { ...runtime.env, ESPER_MODE: mode, ESPER_TIMEOUT_MS: String(TIMEOUT_MS) };
  const apps = [];
  const failures = [];
  for (const adapter of selected) {
    try {
      const app = await adapter.start({ env, step });
      running.push(app.stop);
      apps.push({ adapter, app, records: [] });
    } catch (err) {
      failures.push(`${adapter.name}: did not start: ${message(err)}`);
    }
  }

  print.traffic(apps.map((a) => a.adapter));
  // Addresses by the adapter's fixed index; scraper sizes by its place in this run.
  await runTraffic(apps, (a) => ALL.indexOf(a), failures);
  const answers = runtime.answersByDemoId();
  const summaries = apps.map((a) => summarize(a.adapter, a.records, answers, runtime.url));
  const results = await runtime.results();
  // The cloud pass is over: its apps stop before the hybrid pass starts them again.
  for (const a of apps) await a.app.stop().catch(() => {});

  const hybrid = hybridOn
    ? await hybridPass({
        adapters: apps.map((a) => a.adapter),
        all: ALL,
        mode,
        timeoutMs: TIMEOUT_MS,
        running,
        failures,
      })
    : undefined;
  await mkdir(outDir, { recursive: true });
  const summary = { mode, timeoutMs: TIMEOUT_MS, adapters: summaries, results, hybrid, failures };
  await writeFile(resolve(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);

  // The final report, section by section; the terminal and results.html show the same ones.
  const sections = [
    {
      title: 'Adapters (per request, as the client saw it; measured in this run)',
      table: adapterRows(summaries),
      after: print.adapterLegend(mode, summaries[0]?.latency?.pairs ?? 0),
    },
    { title: 'Clients (every adapter together)', table: roleRows(summaries) },
    {
      title: `Policies (the runtime's GET /tenants/${TENANT.tenant_id}/results)`,
      table: policyRows(results, TENANT),
      after: print.tenantLine(
        results,
        summaries.reduce((n, s) => n + s.answered, 0),
      ),
    },
  ];
  if (hybrid) sections.push(...hybridSections(hybrid, summaries));
  for (const s of sections) {
    console.log(`\n${s.title}\n`);
    console.log(table(...s.table));
    if (s.after) console.log(`\n${s.after}`);
  }

  const allNotes = [
    ...summaries.flatMap((s) => s.notes.map((n) => `${s.adapter}: ${n}`)),
    ...hybridFindings(hybrid).notes,
  ];
  const notes = allNotes.slice(0, 20);
  if (allNotes.length > 20) notes.push(`… and ${allNotes.length - 20} more in summary.json`);
  if (notes.length) {
    console.log('\nNoticed (not failures):');
    for (const n of notes) console.log(`  - ${n}`);
  }

  const problems = [
    ...failures,
    ...summaries.flatMap((s) => s.problems.map((p) => `${s.adapter}: ${p}`)),
    ...hybridFindings(hybrid).problems,
  ];
  const names = summaries.map((s) => s.adapter).join(', ');
  const verdict = problems.length
    ? { ok: false, lines: problems }
    : {
        ok: true,
        lines: [
          `every adapter (${names}) challenged, blocked and allowed its normal users${hybrid ? ", in the cloud and the hybrid pass; origin's counts match the hybrid traffic" : ''}.`,
        ],
      };
  const htmlPath = resolve(outDir, 'results.html');
  await writeFile(
    htmlPath,
    resultsPage({
      title: 'Esper demo results',
      intro: `Mode ${mode} (ESPER_TIMEOUT_MS=${TIMEOUT_MS}); tenant "${TENANT.tenant_id}"; adapters: ${names || 'none'}. The same report as the terminal's; every figure is from this run (summary.json has each request).`,
      sections,
      notes,
      verdict,
    }),
  );
  const shown = relative(process.cwd(), htmlPath);
  console.log(`\nresults page written to ${shown.startsWith('..') ? htmlPath : shown}`);

  if (problems.length) {
    console.log('\nFAILED:');
    for (const p of problems) console.log(`  - ${p}`);
  } else {
    console.log(`\nOK: ${verdict.lines[0]}`);
  }
  line('done');
  return problems.length ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`\ndemo failed: ${err instanceof Error ? err.stack : err}`);
}
await stopAll();
clearTimeout(watchdog);
process.exit(code);
