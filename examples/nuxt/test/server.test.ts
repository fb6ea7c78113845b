/**
 * The example as `npm run build && npm start` runs it: `nuxt build` (Nuxt 3, Nitro's
 * node-server preset), then the start script's command as its own process on a free port of
 * 127.0.0.1, with the ESPER_* variables pointing at a real mock runtime scripted by
 * esper-mock.json.
 */
import { describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleDir, exampleServer, startScript } from '../../../test/helpers/example-server.js';
import { runNode } from '../../../test/helpers/node-process.mjs';
import { startOnFreePort } from '../../../test/helpers/server-target.js';

const DIR = exampleDir('nuxt');

/** A client connecting straight to the server, claiming another address in X-Forwarded-For. */
const { runtime, get } = exampleServer('nuxt', {
  timeoutMs: 300_000,
  build: () =>
    runNode(DIR, [`${DIR}node_modules/nuxt/bin/nuxt.mjs`, 'build'], {
      NUXT_TELEMETRY_DISABLED: '1',
      CI: '1',
    }),
  // The probe is the first request the runtime is asked about; the tests look at their own.
  // stop(): SIGTERM; Nitro's node-server exits on its own.
  start: (env) =>
    startOnFreePort({ cwd: DIR, args: startScript(DIR), env }, 'the Nuxt server', '/warm-up'),
});

describe('examples/nuxt (Nuxt 3, node-server preset)', () => {
  it('allows /api/hello: the server route runs and sees event.context.esper', async () => {
    const res = await get('/api/hello', 'application/json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      hello: 'world',
      decision: 'allow',
      decisionId: runtime.lastDecisionId(),
    });
    // The socket's peer: X-Forwarded-For is written by the client here, so it is not believed.
    runtime.expectSignedCall({
      request: { path: '/api/hello', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/nuxt', runtime: 'node' },
    });
  });

  it('allows /: the page renders the decision made on the server', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Esper said: allow');
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    runtime.expectChallengeRedirect(await get('/login'));
  });

  it('blocks /admin and /?foo=bar with a 403; the page never renders', async () => {
    const admin = await get('/admin', 'application/json');
    expect(admin.status).toBe(403);
    expect(await admin.json()).toMatchObject({ decision_id: runtime.lastDecisionId() });
    expect((await get('/?foo=bar')).status).toBe(403);
  });

  it("blocks /ADMIN too: Nuxt's pages match case-insensitively, and so do the rules", async () => {
    // vue-router serves /ABOUT from pages/about.vue ...
    const about = await get('/ABOUT');
    expect(about.status).toBe(200);
    expect(await about.text()).toContain('About this example');
    // ... so /ADMIN would render pages/admin.vue: it is decided as /admin.
    const admin = await get('/ADMIN', 'application/json');
    expect(admin.status).toBe(403);
    expect(runtime.lastCall()?.body).toMatchObject({ request: { path: '/admin' } });
  });
});

describe('examples/nuxt/README.md', () => {
  itShowsFilesAsTheyAre('nuxt', {
    title: 'shows the middleware and a server route',
    files: ['server/middleware/esper.ts', 'server/api/hello.get.ts'],
  });
});

describeRootReadme('nuxt');
