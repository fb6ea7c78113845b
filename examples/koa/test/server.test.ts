/**
 * The example as a server runs it: `tsc` (the build script), then `node dist/server.js` as its
 * own process with PORT and the ESPER_* settings pointing at a real mock runtime on loopback
 * scripted by esper-mock.json. No proxy in front: the client IP is the socket peer.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import type { ListeningExample } from '../../../test/helpers/node-process.mjs';
import { runNode, startListeningExample } from '../../../test/helpers/node-process.mjs';

const DIR = fileURLToPath(new URL('..', import.meta.url));

const runtime = exampleRuntime('koa');
let server: ListeningExample | undefined;

/** A client claiming another address: with no trusted proxy, it is ignored. */
const get = (path: string, accept = 'text/html') =>
  fetch(server!.origin + path, {
    headers: { accept, 'x-forwarded-for': '203.0.113.99' },
    redirect: 'manual',
  });

beforeAll(async () => {
  await runtime.start();
  await runNode(DIR, [`${DIR}node_modules/typescript/bin/tsc`]);
  server = await startListeningExample({
    cwd: DIR,
    args: ['dist/server.js'],
    env: runtime.env(),
  });
}, 60_000);

afterAll(async () => {
  await server?.stop(); // SIGTERM: the app must exit on its own
  await runtime.close();
});

describe('examples/koa, as node runs it', () => {
  it('allows /: the route runs and sees ctx.state.esper', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      hello: 'world',
      decision: 'allow',
      decisionId: runtime.lastDecisionId(),
    });
    runtime.expectSignedCall({
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/node', runtime: 'node' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    runtime.expectChallengeRedirect(await get('/login'));
  });

  it('blocks /admin, and /ADMIN/ (which @koa/router serves from /admin) as /admin', async () => {
    const admin = await get('/admin', 'application/json');
    expect(admin.status).toBe(403);
    expect(await admin.json()).toMatchObject({ decision_id: runtime.lastDecisionId() });
    const upper = await get('/ADMIN/', 'application/json');
    expect(upper.status).toBe(403);
    runtime.expectSignedCall({ request: { path: '/admin' } });
    expect((await get('/?foo=bar')).status).toBe(403);
  });
});

describe('examples/koa: README', () => {
  itShowsFilesAsTheyAre('koa', { title: 'shows the server', files: ['src/server.ts'] });
});

describeRootReadme('koa');
