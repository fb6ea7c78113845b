// Timeout bound: the runtime hangs; 1,000 concurrent protect() calls with timeoutMs 300 must each
// decide (fallback) within the bound, and no socket may stay open on the runtime's side. Both
// transports: global fetch and undici (@esper/core/node).
// Usage: node bench/timeout.mjs [--quick]

import * as nodeCrypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEsper } from '@esper/core';
import { createNodeSigner, createUndiciTransport } from '@esper/core/node';
import * as undici from 'undici';
import { createFloor } from './floor.mjs';
import { emit, KEY, percentile, QUICK, round, startMockProcess } from './lib.mjs';

const CONCURRENT = QUICK ? 200 : 1000;
const TIMEOUT_MS = 300;
const result = { timeout_ms: TIMEOUT_MS, concurrent: CONCURRENT };

for (const kind of ['fetch', 'undici']) {
  const mock = await startMockProcess({ answer: { fault: 'hang' } });
  const esper = createEsper({
    ...KEY,
    apiBase: mock.url,
    env: {},
    cache: false,
    timeoutMs: TIMEOUT_MS,
    ...(kind === 'undici'
      ? {
          transport: createUndiciTransport({ load: async () => undici }),
          signer: createNodeSigner(nodeCrypto),
        }
      : {}),
  });
  // One request first so that a transport's one-off set-up is not part of the bound under test.
  await esper.protect(new Request('https://shop.example/warm'));
  await sleep(200);
  const times = await Promise.all(
    Array.from({ length: CONCURRENT }, async (_, i) => {
      const request = new Request(`https://shop.example/p/${i}`);
      const t = performance.now();
      const d = await esper.protect(request);
      if (d.reason !== 'timeout')
        throw new Error(`expected a timeout, got ${d.reason}: ${d.message}`);
      return performance.now() - t;
    }),
  );
  // The server sees each abort as a closed socket a little later; wait (up to 5 s) for the
  // count of sockets still carrying a request to reach 0, and report how long that took.
  const decidedAt = performance.now();
  let after = await mock.counts();
  while (after.busy > 0 && performance.now() - decidedAt < 5000) {
    await sleep(50);
    after = await mock.counts();
  }
  const settleMs = performance.now() - decidedAt;
  await esper.close();
  await sleep(100);
  const closed = await mock.counts();
  await mock.close();
  result[kind] = {
    p50_ms: round(percentile(times, 50), 1),
    p99_ms: round(percentile(times, 99), 1),
    max_ms: round(Math.max(...times), 1),
    busy_sockets: after.busy,
    settle_ms: round(settleMs, 0),
    open_sockets: after.open,
    open_after_close: closed.open,
  };
}
// Control: the floor with a plain AbortSignal.timeout(300) under the same burst, showing how
// much of the overshoot is this machine's event loop rather than the SDK.
for (const kind of ['fetch', 'undici']) {
  const mock = await startMockProcess({ answer: { fault: 'hang' } });
  const floor = await createFloor({
    apiBase: mock.url,
    ...KEY,
    ...(kind === 'undici' ? { undici } : {}),
  });
  await floor
    .decide(new Request('https://shop.example/warm'), undefined, AbortSignal.timeout(TIMEOUT_MS))
    .catch(() => {});
  await sleep(200);
  const times = await Promise.all(
    Array.from({ length: CONCURRENT }, async (_, i) => {
      const request = new Request(`https://shop.example/p/${i}`);
      const t = performance.now();
      await floor.decide(request, undefined, AbortSignal.timeout(TIMEOUT_MS)).catch(() => {});
      return performance.now() - t;
    }),
  );
  await floor.close();
  await mock.close();
  result[`floor_${kind}`] = {
    p50_ms: round(percentile(times, 50), 1),
    p99_ms: round(percentile(times, 99), 1),
  };
}
// The headline figures are the worse of the two transports.
result.p99_ms = Math.max(result.fetch.p99_ms, result.undici.p99_ms);
result.open_sockets = Math.max(result.fetch.busy_sockets, result.undici.busy_sockets);
emit({ timeout: result });
