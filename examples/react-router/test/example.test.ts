/**
 * The example as `npm run build && npm start` runs it: `react-router build`, then the start
 * script's command as its own process, with PORT and the ESPER_* variables pointing at a real
 * mock runtime on loopback scripted by esper-mock.json. Then the same app under plain
 * `react-router-serve`, which hands the middleware no load context, so no client IP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import { exampleDir, exampleGet, startScript } from '../../../test/helpers/example-server.js';
import {
  freePort,
  type ListeningExample,
  runNode,
  startListeningExample,
  startNodeProcess,
  waitUntilAnswering,
} from '../../../test/helpers/node-process.mjs';

const DIR = exampleDir('react-router');
const CLI = `${DIR}node_modules/@react-router/dev/bin.js`;

const runtime = exampleRuntime('react-router');
let server: ListeningExample | undefined;

/** A client connecting straight to the server, claiming another address in X-Forwarded-For. */
const get = exampleGet(() => server!.origin);

beforeAll(() => runtime.start());
afterAll(() => runtime.close());

describe('examples/react-router under plain react-router-serve (no load context)', () => {
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    await runNode(DIR, [CLI, 'build', DIR, '--config', 'test/serve.vite.config.ts']);
    const port = await freePort();
    const serve = startNodeProcess({
      cwd: DIR,
      args: [`${DIR}node_modules/@react-router/serve/bin.js`, 'build/server/index.js'],
      env: { ...runtime.env(), PORT: String(port), NODE_ENV: 'production' },
    });
    stop = serve.stop;
    server = { origin: `http://127.0.0.1:${port}`, stop: serve.stop };
    await waitUntilAnswering(serve, 'react-router-serve', () =>
      fetch(`${server!.origin}/api/hello`),
    );
  }, 120_000);
  afterAll(() => stop?.());

  it('decides, with no client IP: never one taken from a forwarding header', async () => {
    const res = await get('/api/hello', 'application/json');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ decision: 'allow' });
    runtime.expectSignedCall({ request: { path: '/api/hello' } });
    // The client's X-Forwarded-For is sent as one of its headers, never as its IP.
    const { request } = runtime.lastCall()!.body as { request: Record<string, unknown> };
    expect(request.headers).toMatchObject({ 'x-forwarded-for': '203.0.113.99' });
    expect(request).not.toHaveProperty('client_ip');
    expect((await get('/admin', 'application/json')).status).toBe(403);
  });
});

describe('examples/react-router on its Express server (server.js)', () => {
  beforeAll(async () => {
    await runNode(DIR, [CLI, 'build']);
    server = await startListeningExample({ cwd: DIR, args: startScript(DIR), env: runtime.env() });
  }, 120_000);
  afterAll(() => server?.stop()); // SIGTERM; the app must exit on its own

  it('allows /: the page renders the decision from context.get(esperContext)', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/Esper said: <b id="action">allow<\/b>/);
    // The socket's peer: X-Forwarded-For is written by the client here, so it is not believed.
    runtime.expectSignedCall({
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/react-router' },
    });
  });

  it('the resource route gets the decision too', async () => {
    const res = await get('/api/hello', 'application/json');
    expect(await res.json()).toEqual({
      hello: 'world',
      decision: 'allow',
      decisionId: runtime.lastDecisionId(),
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    runtime.expectChallengeRedirect(await get('/login'));
  });

  it('blocks /admin, /ADMIN/, its data request /admin.data and /?foo=bar with a 403', async () => {
    const admin = await get('/admin', 'application/json');
    expect(admin.status).toBe(403);
    expect(await admin.json()).toMatchObject({ decision_id: runtime.lastDecisionId() });
    for (const path of ['/ADMIN/', '/admin.data', '/?foo=bar']) {
      expect((await get(path, 'application/json')).status, path).toBe(403);
    }
  });
});

describe('examples/react-router/README.md', () => {
  itShowsFilesAsTheyAre('react-router', {
    title: 'shows the middleware, the request handler and the server',
    files: ['app/root.tsx', 'server/app.ts', 'server.js'],
  });
});

describeRootReadme('react-router');
