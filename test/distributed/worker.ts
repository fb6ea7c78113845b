/**
 * One app instance of the distributed suites, in its own Node process (bundled with esbuild
 * from the sources; see bundle.ts): `createEsper` with a hybrid decider whose store is Redis
 * (TCP) or Upstash-over-Redis (HTTP), shared with the other processes. The parent sends
 * `{ run: PlannedRequest[] }`; the worker decides them one after another and answers with an
 * `Outcome` each, including what the store counted for it.
 */
import { createEsper } from '@esper/core';
import { createHybrid } from '@esper/hybrid';
import type { PolicyStore } from '@esper/policy';
import { createRedisStore } from '@esper/redis';
import { createUpstashStore } from '@esper/redis/upstash';
import { Redis } from '@upstash/redis';
import { KEY, type Outcome, type PlannedRequest, snapshot } from './plan.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function main() {
  const kind = process.env.STORE;
  const inner =
    kind === 'upstash'
      ? createUpstashStore({
          redis: new Redis({
            url: process.env.UPSTASH_URL as string,
            token: process.env.UPSTASH_TOKEN as string,
            retry: false,
          }),
        })
      : createRedisStore({ url: process.env.REDIS_URL as string });
  if ('ready' in inner) await (inner as { ready(): Promise<void> }).ready();
  // Sequential decisions: the store call just made is this decision's.
  let last: Pick<Outcome, 'nowMs' | 'windows' | 'counts'> = {};
  const store: PolicyStore = {
    ...inner,
    async record(batch, nowMs, options) {
      const result = await inner.record(batch, nowMs, options);
      last = { nowMs, windows: batch.windows.map((w) => w.key), counts: result.counts };
      return result;
    },
  };
  const hybrid = createHybrid({
    ...KEY,
    apiBase: 'http://127.0.0.1:9',
    bootstrap: snapshot(),
    store,
    // Consistency runs need every decision from the store, however loaded the machine is.
    storeTimeoutMs: 5_000,
    reportEvents: false,
    pollIntervalMs: 86_400_000,
    logger: silent,
  });
  const esper = createEsper({
    ...KEY,
    env: {},
    decider: hybrid.decider,
    timeoutMs: 10_000,
    logger: silent,
    fetch: async () => {
      throw new Error('a hybrid client must not call the runtime');
    },
  });

  process.on('message', async (message: { run?: PlannedRequest[]; exit?: true }) => {
    if (message.exit) {
      await hybrid.close();
      process.exit(0);
    }
    if (!message.run) return;
    const outcomes: Outcome[] = [];
    for (const r of message.run) {
      last = {};
      const started = performance.now();
      const request = new Request('http://app.test/login', { headers: { 'user-agent': r.ua } });
      const d = await esper.protect(request, { remoteAddress: r.ip });
      const ms = performance.now() - started;
      outcomes.push({
        ...r,
        action: d.action,
        reason: d.reason,
        policyId: d.policyId,
        ms,
        ...last,
      });
    }
    process.send?.({ outcomes });
  });
  process.send?.({ ready: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
