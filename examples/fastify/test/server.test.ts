/**
 * The example as a host runs it: `tsc` (the build script), then `node dist/server.js` as its
 * own process, with the ESPER_* settings pointing at a real mock runtime on loopback scripted
 * by esper-mock.json.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import type { ListeningExample } from '../../../test/helpers/node-process.mjs';
import { runNode, startListeningExample } from '../../../test/helpers/node-process.mjs';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const runtime = exampleRuntime('fastify');
let server: ListeningExample | undefined;

const get = (path: string, accept = 'text/html') =>
  fetch(server!.origin + path, {
    headers: { accept, 'x-forwarded-for': '6.6.6.6' },
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

describe('examples/fastify, built and started', () => {
  it('allows /: the handler runs and sees request.esper', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      hello: 'world',
      decision: 'allow',
      decisionId: runtime.lastDecisionId(),
    });
    // No trustProxy: the socket's peer, not what the client wrote.
    runtime.expectSignedCall({
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/fastify', runtime: 'node' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    runtime.expectChallengeRedirect(await get('/login'));
  });

  it('blocks /admin (a 404 route) and /?foo=bar with a 403', async () => {
    const admin = await get('/admin', 'application/json');
    expect(admin.status).toBe(403);
    expect(await admin.json()).toMatchObject({ decision_id: runtime.lastDecisionId() });
    expect((await get('/?foo=bar')).status).toBe(403);
  });
});

describe('examples/fastify: README', () => {
  itShowsFilesAsTheyAre('fastify', {
    title: 'shows the server',
    files: ['src/server.ts'],
  });
});

describeRootReadme('fastify');
