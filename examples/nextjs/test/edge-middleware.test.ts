// @vitest-environment edge-runtime
/**
 * edge/middleware.ts, the Next 13–15 form, run in the Edge runtime VM (what Next uses for
 * middleware.ts) against a real mock runtime. It is not built with `next build` here: a second
 * Next build would double this example's test time, and the conformance suite already runs a
 * root middleware.ts under `next start` (test/conformance/fixtures/vercel-next-edge).
 */
import {
  DEFAULT_TEST_KEY,
  type MockRuntime,
  type StartMockRuntimeOptions,
  startMockRuntime,
} from '@esper/testing';
import type { EsperMiddleware } from '@esper/vercel';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import mockConfig from '../esper-mock.json';

let mock: MockRuntime;
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
  mock = await startMockRuntime(mockConfig as StartMockRuntimeOptions);
  // The middleware reads its settings from the environment when the module loads, as on Vercel.
  vi.stubEnv('ESPER_API_BASE', mock.url);
  vi.stubEnv('ESPER_API_KEY', DEFAULT_TEST_KEY.apiKey);
  vi.stubEnv('ESPER_API_SECRET', DEFAULT_TEST_KEY.secret);
  vi.stubEnv('ESPER_TIMEOUT_MS', '10000'); // a loaded CI machine, not production
  middleware = (await import('../edge/middleware.js')).default;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await mock?.close();
});

describe('examples/nextjs/edge/middleware.ts in the Edge runtime', () => {
  it('lets / through to the app, with the decision as a request header', async () => {
    const res = await run('/');
    // Next's protocol for "continue, with these request headers".
    expect(res.headers.get('x-middleware-next')).toBe('1');
    expect(res.headers.get('x-middleware-request-x-esper-decision')).toBe('allow');
    expect(mock.requests.at(-1)?.body).toMatchObject({
      request: { path: '/', client_ip: '198.51.100.8' },
      source: { runtime: 'vercel-edge' },
    });
  });

  it('challenges /login', async () => {
    const res = await run('/login');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${mock.url}/challenge\\?`));
  });

  it('blocks /admin', async () => {
    const res = await run('/admin', 'application/json');
    expect(res.status).toBe(403);
    expect(res.headers.get('x-esper-decision')).toBe('block');
  });
});
