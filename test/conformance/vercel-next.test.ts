import type { MockRuntime } from '@esper/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startConformanceRuntime, TEST_KEY } from './runtime.js';
import { runConformance } from './scenarios.js';
import type { TargetInstance } from './target.js';
import { nextTarget } from './targets/vercel-next.js';

const vercelNextTarget = nextTarget('vercel-next16', 'vercel-next');
runConformance(vercelNextTarget);

let runtime: MockRuntime;
let app: TargetInstance;
beforeAll(async () => {
  runtime = await startConformanceRuntime();
  app = await vercelNextTarget.start({
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

it('next start runs proxy.ts on the Node.js runtime and keeps Next internals private', async () => {
  const res = await app.request({
    path: '/hello',
    headers: [['x-test-id', 'next-runtime']],
    platformIp: '198.51.100.77',
  });
  expect(res.status).toBe(200);
  expect([...res.headers.keys()].filter((h) => h.startsWith('x-middleware-'))).toEqual([]);
  const call = runtime.requests.find(
    (r) =>
      (r.body as { request: { headers: Record<string, string> } }).request.headers['x-test-id'] ===
      'next-runtime',
  );
  const body = call?.body as { source: { runtime: string; sdk: string }; request_id?: string };
  expect(body.source).toMatchObject({ sdk: '@esper/vercel', runtime: 'vercel-node' });
  expect(body.request_id).toMatch(/^fra1::next-/);
});
