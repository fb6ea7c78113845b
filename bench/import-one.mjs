// Child process: time `await import(spec)` in a fresh Node process. Modules named in
// BENCH_PRELOAD (the framework, e.g. next/server) are imported first, outside the timer.
import { performance } from 'node:perf_hooks';
import { emit } from './lib.mjs';

for (const m of (process.env.BENCH_PRELOAD ?? '').split(',').filter(Boolean)) await import(m);
const start = performance.now();
await import(process.argv[2]);
emit({ ms: performance.now() - start });
