/**
 * The example as `npm run build && npm start` runs it: `tsc`, then the start script's command as
 * its own process, with PORT and the ESPER_* variables pointing at a real mock runtime on
 * loopback scripted by esper-mock.json.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import type { ListeningExample } from '../../../test/helpers/node-process.mjs';
import { runNode, startListeningExample } from '../../../test/helpers/node-process.mjs';

const DIR = fileURLToPath(new URL('..', import.meta.url));

const runtime = exampleRuntime('hono');
let server: ListeningExample | undefined;

/** A client connecting straight to the server, claiming another address in X-Forwarded-For. */
const get = (path: string, accept = 'text/html') =>
  fetch(server!.origin + path, {
    headers: { accept, 'x-forwarded-for': '203.0.113.99' },
    redirect: 'manual',
  });

beforeAll(async () => {
  await runtime.start();
  await runNode(DIR, [`${DIR}node_modules/typescript/bin/tsc`]);
  const { scripts } = JSON.parse(readFileSync(`${DIR}package.json`, 'utf8'));
  const start = scripts.start.match(/^node (.+)$/)?.[1];
  if (!start) throw new Error('the start script is not "node …"');
  server = await startListeningExample({ cwd: DIR, args: start.split(' '), env: runtime.env() });
}, 60_000);

afterAll(async () => {
  await server?.stop(); // SIGTERM; the app must exit on its own
  await runtime.close();
});

describe('examples/hono on Node (@hono/node-server)', () => {
  it("allows /: the route runs and sees c.get('esper')", async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      hello: 'world',
      decision: 'allow',
      decisionId: runtime.lastDecisionId(),
    });
    // The socket's peer: X-Forwarded-For is written by the client here, so it is not believed.
    runtime.expectSignedCall({
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/hono', runtime: 'node' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    runtime.expectChallengeRedirect(await get('/login'));
  });

  it('blocks /admin and /?foo=bar with a 403', async () => {
    const admin = await get('/admin', 'application/json');
    expect(admin.status).toBe(403);
    expect(await admin.json()).toMatchObject({ decision_id: runtime.lastDecisionId() });
    expect((await get('/?foo=bar')).status).toBe(403);
  });
});

describe('examples/hono/README.md', () => {
  itShowsFilesAsTheyAre('hono', {
    title: 'shows the app and its Node entry point',
    files: ['src/app.ts', 'src/server.ts'],
  });
});

describeRootReadme('hono');
