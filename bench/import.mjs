// Import time of each adapter: median of fresh Node processes, framework excluded (none of our
// adapters imports its framework at run time; a peer's framework is preloaded outside the timer).
// Usage: node bench/import.mjs [--quick]
import { emit, here, median, QUICK, round, runNode } from './lib.mjs';

export const PACKAGES = ['core', 'cloudflare', 'vercel', 'hono', 'express', 'lambda'];
export async function importTimes(specs, runs, preload = {}) {
  const samples = Object.fromEntries(specs.map((s) => [s, []]));
  // Interleaved so that load spikes from the rest of the machine hit every package alike.
  for (let i = 0; i < runs; i++)
    for (const spec of specs)
      samples[spec].push(
        (
          await runNode(here('./import-one.mjs'), [spec], {
            env: { BENCH_PRELOAD: preload[spec] ?? '' },
          })
        ).ms,
      );
  return Object.fromEntries(specs.map((s) => [s, round(median(samples[s]), 1)]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = QUICK ? 5 : 11;
  const times = await importTimes(
    PACKAGES.map((p) => `@esper/${p}`),
    runs,
  );
  emit({
    import_ms: Object.fromEntries(Object.entries(times).map(([k, v]) => [k.slice(7), v])),
    import_runs: runs,
  });
}
