// First protected request in a fresh process (import + create + first decision) vs the floor's
// first request; median of fresh processes, interleaved. The mock runtime runs in another process.
// Usage: node bench/first-request.mjs [--quick]
import { emit, here, KEY, median, QUICK, round, runNode, startMockProcess } from './lib.mjs';

const SUBJECTS = ['floor', 'core', 'cloudflare', 'vercel', 'hono', 'floor_undici', 'core_node'];
const runs = QUICK ? 5 : 11;
const mock = await startMockProcess();
const samples = Object.fromEntries(SUBJECTS.map((s) => [s, []]));
try {
  for (let i = 0; i < runs; i++)
    for (const s of SUBJECTS)
      samples[s].push(
        (
          await runNode(here('./first-one.mjs'), [s], {
            env: { BENCH_URL: mock.url, BENCH_KEY: JSON.stringify(KEY) },
          })
        ).ms,
      );
} finally {
  await mock.close();
}
const first = Object.fromEntries(SUBJECTS.map((s) => [s, round(median(samples[s]), 1)]));
emit({
  first_request_ms: first,
  first_request_ratio: Object.fromEntries(
    SUBJECTS.filter((s) => !s.startsWith('floor')).map((s) => [
      s,
      round(first[s] / (s === 'core_node' ? first.floor_undici : first.floor), 2),
    ]),
  ),
  first_request_runs: runs,
});
