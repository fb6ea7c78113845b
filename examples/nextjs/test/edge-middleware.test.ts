// @vitest-environment edge-runtime
/**
 * edge/middleware.ts, the Next 13–15 form, run in the Edge runtime VM (what Next uses for
 * middleware.ts) against a real mock runtime. It is not built with `next build` here: a second
 * Next build would double this example's test time, and the conformance suite already runs a
 * root middleware.ts under `next start` (test/conformance/fixtures/vercel-next-edge).
 */
import type { EsperMiddleware } from '@esper/vercel';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';

const runtime = exampleRuntime('nextjs');
let middleware: EsperMiddleware;

/** What Vercel hands the middleware: x-real-ip set by its proxy, and a waitUntil. */
const run = (path: string, accept = 'text/html') =>
  middleware(
    new Request(`https://example-app.vercel.app${path}`, {
      headers: { accept, 'x-real-ip': '198.51.100.8' },
    }),
    { waitUntil: () => {} },
  );

beforeAll(async () => {
  await runtime.start();
  // The middleware reads its settings from the environment when the module loads, as on Vercel.
  runtime.stubEnv();
  middleware = (await import('../edge/middleware.js')).default;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await runtime.close();
});

describe('examples/nextjs/edge/middleware.ts in the Edge runtime', () => {
  it('lets / through to the app, with the decision as a request header', async () => {
    const res = await run('/');
    // Next's protocol for "continue, with these request headers".
    expect(res.headers.get('x-middleware-next')).toBe('1');
    expect(res.headers.get('x-middleware-request-x-esper-decision')).toBe('allow');
    expect(runtime.lastCall()?.body).toMatchObject({
      request: { path: '/', client_ip: '198.51.100.8' },
      source: { runtime: 'vercel-edge' },
    });
  });

  it('challenges /login', async () => {
    const res = await run('/login');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(runtime.challengePage());
  });

  it('blocks /admin', async () => {
    const res = await run('/admin', 'application/json');
    expect(res.status).toBe(403);
    expect(res.headers.get('x-esper-decision')).toBe('block');
  });
});
