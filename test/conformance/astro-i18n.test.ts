/**
 * Astro i18n (fixtures/astro-i18n-app, built and run as in production): two ways Astro renders
 * a page at a URL other than its own (packages/astro/README.md, "i18n: pages served at other
 * URLs"). A fallback rewrite runs the middleware again, which then decides the page rendered;
 * a domain is chosen by the Host header before any middleware, a stated limit whose cell
 * asserts what happens today, so a change in Astro or the adapter shows here. The controls
 * prove the app and the block rules work.
 */
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw-http.js';
import { TEST_KEY } from './runtime.js';
import { type AstroApp, startAstroApp } from './targets/astro.js';

const PROTECTED = ['/admin', '/fr/compte'];

let runtime: MockRuntime;
beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [TEST_KEY],
    maxRecordedRequests: 1_000,
    decide: (body) => {
      const path = (body as { request?: { path?: string } }).request?.path ?? '';
      return PROTECTED.includes(path) ? { action: 'block' } : { action: 'allow' };
    },
  });
});
afterAll(() => runtime?.close());

const start = (buildEnv: Record<string, string>) =>
  startAstroApp(
    {
      ESPER_API_KEY: TEST_KEY.apiKey,
      ESPER_API_SECRET: TEST_KEY.secret,
      ESPER_API_BASE: runtime.url,
      ESPER_TIMEOUT_MS: '2000',
    },
    'astro-i18n-app',
    '/',
    buildEnv,
  );

let n = 0;
/** One request; which page ran, and every path the runtime was asked about for it. */
async function send(app: AstroApp, target: string, host?: string) {
  const id = `i18n-${n++}`;
  const headers: Array<[string, string]> = [
    ['x-routing-id', id],
    ['user-agent', `routing/${id}`],
  ];
  if (host) headers.push(['Host', host]);
  const res = await rawRequest(app.origin, { target, headers });
  const asked = runtime.requests
    .map(
      (r) => (r.body as { request?: { path?: string; headers?: Record<string, string> } }).request,
    )
    .filter((r) => r?.headers?.['x-routing-id'] === id)
    .map((r) => r?.path);
  return { status: res.status, handler: res.headers.get('x-handler'), asked };
}

describe('astro i18n, fallbackType: rewrite', () => {
  let app: AstroApp;
  beforeAll(async () => {
    app = await start({});
  }, 180_000);
  afterAll(() => app?.stop());

  it('controls: /admin and /fr/compte are blocked, / is served', async () => {
    expect(await send(app, '/admin')).toEqual({ status: 403, handler: null, asked: ['/admin'] });
    expect(await send(app, '/fr/compte')).toMatchObject({ status: 403, asked: ['/fr/compte'] });
    expect((await send(app, '/')).status).toBe(200);
  });

  // /fr/admin has no French page: Astro's i18n middleware rewrites it to /admin and runs the
  // middleware again, whose `originPathname` is still /fr/admin. That pass decides the route
  // it renders, /admin (it used to ask about /fr/admin twice and run the /admin page).
  it('/fr/admin, rewritten to the /admin page, is decided as /admin too', async () => {
    expect(await send(app, '/fr/admin')).toEqual({
      status: 403,
      handler: null,
      asked: ['/fr/admin', '/admin'],
    });
  });

  it('a rewrite to an open page is served, both paths asked', async () => {
    expect(await send(app, '/fr/public')).toEqual({
      status: 200,
      handler: '/public',
      asked: ['/fr/public', '/public'],
    });
  });
});

describe('astro i18n, domains', () => {
  let app: AstroApp;
  beforeAll(async () => {
    app = await start({ ASTRO_I18N_DOMAINS: '1' });
  }, 180_000);
  afterAll(() => app?.stop());

  it('control: /fr/compte is blocked', async () => {
    expect(await send(app, '/fr/compte')).toMatchObject({ status: 403, asked: ['/fr/compte'] });
  });

  // Limit: Astro routes on the locale of the client's own Host header, so /compte with
  // `Host: fr.example.test` is the page /fr/compte, decided as /compte.
  it('limit: Host fr.example.test, /compte renders the /fr/compte page, decided as /compte', async () => {
    expect(await send(app, '/compte', 'fr.example.test')).toEqual({
      status: 200,
      handler: '/fr/compte',
      asked: ['/compte'],
    });
  });
});
