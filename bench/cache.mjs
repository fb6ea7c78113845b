// A cached decision served with no network: protect() on a client whose decision is in the
// cache. The transport is in-process and counts calls, to prove the hits never reach it.
// Usage: node bench/cache.mjs [--quick]
import { performance } from 'node:perf_hooks';
import { createEsper } from '@esper/core';
import { emit, KEY, percentile, QUICK, round } from './lib.mjs';

const N = QUICK ? 20_000 : 200_000;
let sent = 0;
const answer = JSON.stringify({
  decision_id: 'dec_1',
  action: 'block',
  ttl_seconds: 3600,
  cache_scope: 'client',
});
const esper = createEsper({
  ...KEY,
  apiBase: 'https://api.example',
  env: {},
  transport: {
    async send() {
      sent++;
      return { status: 200, headers: { get: () => null }, body: answer };
    },
  },
});
const request = new Request('https://shop.example/login', {
  headers: { 'user-agent': 'Mozilla/5.0 bench', accept: 'text/html' },
});
const facts = { remoteAddress: '203.0.113.7' };
const first = await esper.protect(request, facts);
if (first.source !== 'remote' || sent !== 1) throw new Error('cache was not filled');

const times = new Float64Array(N);
for (let i = 0; i < N; i++) {
  const t = performance.now();
  const d = await esper.protect(request, facts);
  times[i] = (performance.now() - t) * 1000;
  if (d.source !== 'cache') throw new Error(`expected a cache hit, got ${d.source}`);
}
if (sent !== 1) throw new Error(`a hit reached the transport (${sent} sends)`);
// The first 10% is warm-up (JIT), left out of the percentiles.
const warm = times.subarray(Math.floor(N / 10));
emit({
  cache_hit_p50_us: round(percentile(warm, 50), 2),
  cache_hit_p99_us: round(percentile(warm, 99), 2),
  cache_hits: N,
});
