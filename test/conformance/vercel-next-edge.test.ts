import { expect, it } from 'vitest';
import { runConformance } from './scenarios.js';
import { nextTarget } from './targets/vercel-next.js';

runConformance(nextTarget('vercel-next16-edge', 'vercel-next-edge'), ({ runtime, live }) => {
  it("next start runs middleware.ts in Next's Edge runtime sandbox", async () => {
    await live().request({
      path: '/hello',
      headers: [['x-test-id', 'edge-runtime']],
      platformIp: '198.51.100.78',
    });
    const call = runtime().requests.find(
      (r) =>
        (r.body as { request: { headers: Record<string, string> } }).request.headers[
          'x-test-id'
        ] === 'edge-runtime',
    );
    expect((call!.body as { source: { runtime: string } }).source.runtime).toBe('vercel-edge');
  });
});
