import type { MockRuntime } from '@esper/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startConformanceRuntime, TEST_KEY } from './runtime.js';
import { runConformance } from './scenarios.js';
import type { TargetInstance } from './target.js';
import { nextTarget } from './targets/vercel-next.js';

const target = nextTarget('vercel-next16-edge', 'vercel-next-edge');
runConformance(target);

let runtime: MockRuntime;
let app: TargetInstance;
beforeAll(async () => {
  runtime = await startConformanceRuntime();
  app = await target.start({
    runtimeUrl: runtime.url,
    apiKey: TEST_KEY.apiKey,
    secret: TEST_KEY.secret,
    mode: 'live',
    timeoutMs: 300,
  });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await runtime?.close();
});

it("next start runs middleware.ts in Next's Edge runtime sandbox", async () => {
  await app.request({
    path: '/hello',
    headers: [['x-test-id', 'edge-runtime']],
    platformIp: '198.51.100.78',
  });
  const call = runtime.requests.find(
    (r) =>
      (r.body as { request: { headers: Record<string, string> } }).request.headers['x-test-id'] ===
      'edge-runtime',
  );
  expect((call!.body as { source: { runtime: string } }).source.runtime).toBe('vercel-edge');
});
