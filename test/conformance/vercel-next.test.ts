import { expect, it } from 'vitest';
import { runConformance } from './scenarios.js';
import { nextTarget } from './targets/vercel-next.js';

runConformance(nextTarget('vercel-next16', 'vercel-next'), ({ runtime, live }) => {
  it('next start runs proxy.ts on the Node.js runtime and keeps Next internals private', async () => {
    const res = await live().request({
      path: '/hello',
      headers: [['x-test-id', 'next-runtime']],
      platformIp: '198.51.100.77',
    });
    expect(res.status).toBe(200);
    expect([...res.headers.keys()].filter((h) => h.startsWith('x-middleware-'))).toEqual([]);
    const call = runtime().requests.find(
      (r) =>
        (r.body as { request: { headers: Record<string, string> } }).request.headers[
          'x-test-id'
        ] === 'next-runtime',
    );
    const body = call?.body as { source: { runtime: string; sdk: string }; request_id?: string };
    expect(body.source).toMatchObject({ sdk: '@esper/vercel', runtime: 'vercel-node' });
    expect(body.request_id).toMatch(/^fra1::next-/);
  });
});
