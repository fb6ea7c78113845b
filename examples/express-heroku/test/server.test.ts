/**
 * The example as Heroku runs it: `tsc` (the build script), then the Procfile's web command as
 * its own process, with PORT and DYNO set as on a dyno and the ESPER_* config vars pointing at
 * a real mock runtime on loopback scripted by esper-mock.json.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import type { ListeningExample } from '../../../test/helpers/node-process.mjs';
import { runNode, startListeningExample } from '../../../test/helpers/node-process.mjs';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(`${DIR}${file}`, 'utf8');

const runtime = exampleRuntime('express-heroku');
let server: ListeningExample | undefined;

/** Plays the Heroku router: it appends the address it saw to whatever X-Forwarded-For came. */
const get = (path: string, accept = 'text/html') =>
  fetch(server!.origin + path, {
    headers: { accept, 'x-forwarded-for': '203.0.113.99, 198.51.100.11' },
    redirect: 'manual',
  });

beforeAll(async () => {
  await runtime.start();
  await runNode(DIR, [`${DIR}node_modules/typescript/bin/tsc`]);
  const web = read('Procfile').match(/^web: node (.+)$/m)?.[1];
  if (!web) throw new Error('Procfile has no "web: node …" line');
  const env = { ...runtime.env(), DYNO: 'web.1' };
  server = await startListeningExample({ cwd: DIR, args: web.split(' '), env });
}, 60_000);

afterAll(async () => {
  await server?.stop(); // SIGTERM, as Heroku does; the app must exit on its own
  await runtime.close();
});

describe('examples/express-heroku, as a dyno runs it', () => {
  it('allows /: the route runs and sees req.esper', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      hello: 'world',
      decision: 'allow',
      decisionId: runtime.lastDecisionId(),
    });
    // The router's hop, not the address the client wrote to the left of it.
    runtime.expectSignedCall({
      request: { path: '/', client_ip: '198.51.100.11' },
      source: { sdk: '@esper/express', runtime: 'heroku' },
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

describe('examples/express-heroku: README and Heroku files', () => {
  const readme = read('README.md');
  itShowsFilesAsTheyAre('express-heroku', {
    title: 'shows the server and the Procfile',
    files: ['src/server.ts', 'Procfile'],
  });
  it('app.json asks for every ESPER_* variable the README tells to set', () => {
    const env = Object.keys(JSON.parse(read('app.json')).env);
    expect(env).toEqual(expect.arrayContaining(['ESPER_API_KEY', 'ESPER_API_SECRET']));
    for (const name of readme.match(/heroku config:set (.*)/)?.[1]?.match(/ESPER_\w+/g) ?? []) {
      expect(env).toContain(name);
    }
  });
});

describeRootReadme('express-heroku');
