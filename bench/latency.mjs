// Per-request latency of protect() vs the floor, same server (the mock runtime in another
// process, answering at once), same payload, one request at a time, interleaved in blocks after
// a warm-up. Two pairs: global fetch (core's default transport) and undici (@esper/core/node,
// with its node:crypto signer), the latter also against a floor signing with node:crypto.
// Usage: node bench/latency.mjs [--quick] [--only=fetch|undici]   (BENCH_LATENCY_N overrides)

import * as nodeCrypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createEsper } from '@esper/core';
import { createNodeSigner, createUndiciTransport } from '@esper/core/node';
import * as undici from 'undici';
import { createFloor } from './floor.mjs';
import { emit, KEY, percentile, QUICK, round, startMockProcess } from './lib.mjs';

const N = Number(process.env.BENCH_LATENCY_N ?? (QUICK ? 1000 : 20_000));
const BLOCK = Math.min(1000, N);
const WARMUP = QUICK ? 200 : 2000;
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const ip = '203.0.113.7';
const request = new Request('https://shop.example/login?next=%2F', {
  headers: { 'user-agent': 'Mozilla/5.0 bench', accept: 'text/html', 'x-real-ip': ip },
});

const mock = await startMockProcess();
const common = {
  apiBase: mock.url,
  ...KEY,
  env: {},
  cache: false,
  timeoutMs: 5000,
  clientIp: { trustedHeader: 'x-real-ip' },
};
const sdkFetch = createEsper(common);
const sdkUndici = createEsper({
  ...common,
  transport: createUndiciTransport({ load: async () => undici }),
  signer: createNodeSigner(nodeCrypto),
});
const floorFetch = await createFloor({ apiBase: mock.url, ...KEY });
const floorUndici = await createFloor({ apiBase: mock.url, ...KEY, undici });
const floorUndiciNode = await createFloor({ apiBase: mock.url, ...KEY, undici, hmac: 'node' });

const check = (a) => {
  if (a !== 'allow') throw new Error(`expected allow, got ${a}`);
};
const subjects = {
  floor_fetch: async () => check(await floorFetch.decide(request, ip)),
  sdk_fetch: async () => {
    const d = await sdkFetch.protect(request);
    if (d.source !== 'remote') throw new Error(`sdk_fetch: ${d.reason} ${d.message}`);
  },
  floor_undici: async () => check(await floorUndici.decide(request, ip)),
  floor_undici_node: async () => check(await floorUndiciNode.decide(request, ip)),
  sdk_undici: async () => {
    const d = await sdkUndici.protect(request);
    if (d.source !== 'remote') throw new Error(`sdk_undici: ${d.reason} ${d.message}`);
  },
};
// Each group runs interleaved; its last member is the SDK, compared with each floor before it.
const pairs = {
  fetch: ['floor_fetch', 'sdk_fetch'],
  undici: ['floor_undici', 'floor_undici_node', 'sdk_undici'],
};
const active = Object.entries(pairs).filter(([k]) => !only || k === only);

const samples = {};
for (const [, names] of active) for (const n of names) samples[n] = [];
for (const [, names] of active)
  for (const n of names) for (let i = 0; i < WARMUP; i++) await subjects[n]();
for (let done = 0; done < N; done += BLOCK) {
  // Alternate which of a pair goes first in each block, so neither always follows the other.
  const flip = (done / BLOCK) % 2 === 1;
  for (const [, names] of active) {
    for (const n of flip ? [...names].reverse() : names) {
      const out = samples[n];
      for (let i = 0; i < BLOCK; i++) {
        const t = performance.now();
        await subjects[n]();
        out.push((performance.now() - t) * 1000);
      }
    }
  }
}
await Promise.all(
  [sdkFetch, sdkUndici, floorFetch, floorUndici, floorUndiciNode].map((c) => c.close()),
);
await mock.close();

const latency = {};
for (const [n, xs] of Object.entries(samples))
  latency[n] = {
    p50_us: round(percentile(xs, 50), 0),
    p99_us: round(percentile(xs, 99), 0),
    n: xs.length,
  };
for (const [pair, names] of active) {
  const sdk = names.at(-1);
  for (const floor of names.slice(0, -1)) {
    const key = `ratio_${pair}${floor.endsWith('_node') ? '_node' : ''}`;
    latency[`${key}_p50`] = round(latency[sdk].p50_us / latency[floor].p50_us, 2);
    latency[`${key}_p99`] = round(latency[sdk].p99_us / latency[floor].p99_us, 2);
  }
}
emit({ latency });
