// The demo's second pass: the same adapters, unchanged, pointed at `esper run` (cloud mode,
// ESPER_API_BASE = the daemon), and an application without the SDK behind `esper capture run
// --enforce`, all reporting to `esper origin`. The same traffic as the cloud pass; the report
// sets what the clients saw against origin's counts, and each adapter's latency against its
// cloud figure.
import { startHybrid } from './hybrid.mjs';
import capture from './launchers/capture.mjs';
import { step } from './log.mjs';
import * as print from './print.mjs';
import { hybridRows, latencyRows, originCheck, summarizeHybrid } from './report.mjs';
import { runTraffic } from './traffic.mjs';

/**
 * @param {{ adapters: Array<{ name: string, start: Function }>, all: unknown[], mode: string,
 *   timeoutMs: number, running: Array<() => Promise<void>>, failures: string[] }} o
 *   `adapters`: those that ran in the cloud pass (already built); `running`: the demo's list of
 *   things to stop whatever happens.
 */
export async function hybridPass({ adapters, all, mode, timeoutMs, running, failures }) {
  console.log(`
  hybrid pass   the same traffic again: the adapters unchanged, ESPER_API_BASE=esper run (decided
                locally from the policies it synced from esper origin); and a Node app with no SDK
                behind esper capture run --enforce. Both report every decision to origin.
`);
  const hybrid = await startHybrid({ step });
  const stops = [() => hybrid.close()];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  };
  running.push(stopAll);
  const env = { ...hybrid.env, ESPER_MODE: mode, ESPER_TIMEOUT_MS: String(timeoutMs) };
  const apps = [];
  for (const adapter of [...adapters, capture]) {
    try {
      const app = await adapter.start({ env, step, built: true, originUrl: hybrid.originUrl });
      stops.push(app.stop);
      apps.push({ adapter, app, records: [] });
    } catch (err) {
      failures.push(`hybrid ${adapter.name}: did not start: ${err?.message ?? err}`);
    }
  }
  const indexOf = (a) => (a === capture ? all.length : all.indexOf(a));
  await runTraffic(apps, indexOf, failures, 'hybrid ');
  const daemon = await hybrid.status();
  // Stop the apps and the proxy (it sends what it still holds), then the daemon (it drains and
  // sends its spool): only then does origin have every decision.
  for (const stop of stops.splice(1).reverse()) await stop().catch(() => {});
  await step('hybrid      stop: esper capture, esper run (spool sent)', () => hybrid.stopDaemon());
  const results = await hybrid.results();
  const summaries = apps.map((a) => summarizeHybrid(a.adapter, a.records, hybrid.originUrl));
  const check = originCheck(results, summaries, mode);
  await stopAll();
  return { summaries, results, daemon, check };
}

/** The pass's two report sections (terminal and results.html), after the cloud pass's. */
export function hybridSections(hybrid, cloudSummaries) {
  return [
    {
      title: 'Hybrid pass (esper run for the adapters, esper capture run --enforce for capture)',
      table: hybridRows(hybrid.summaries),
      after: `${print.hybridLegend()}\n${hybrid.check.line}`,
    },
    {
      title: 'Latency: cloud vs hybrid (added per protected request, measured in this run)',
      table: latencyRows(cloudSummaries, hybrid.summaries),
      after: print.latencyLegend(),
    },
  ];
}

/** The pass's problems (they fail the demo) and notes, each line prefixed "hybrid". */
export function hybridFindings(hybrid) {
  const list = hybrid?.summaries ?? [];
  return {
    problems: [
      ...list.flatMap((s) => s.problems.map((p) => `hybrid ${s.adapter}: ${p}`)),
      ...(hybrid?.check.problems ?? []).map((p) => `hybrid: ${p}`),
    ],
    notes: list.flatMap((s) => s.notes.map((n) => `hybrid ${s.adapter}: ${n}`)),
  };
}
