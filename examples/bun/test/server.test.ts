/**
 * The example as `bun run start` runs it: the start script's command in the real Bun (the
 * binary of the `bun` package), as its own process, with PORT and the ESPER_* variables pointing
 * at a real mock runtime on loopback scripted by esper-mock.json. Bun resolves `@esper/fetch`
 * through node_modules to the built package, as in a user's app.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bunBinary } from '../../../packages/fetch/src/test-support/runtimes.js';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const runtime = exampleRuntime('bun');
let origin = '';
let output = '';
let child: ReturnType<typeof spawn> | undefined;

const get = (path: string, accept = 'text/html') =>
  fetch(origin + path, {
    headers: { accept, 'x-forwarded-for': '203.0.113.99' },
    redirect: 'manual',
  });

beforeAll(async () => {
  await runtime.start();
  const { scripts } = JSON.parse(readFileSync(`${DIR}package.json`, 'utf8'));
  const args = scripts.start.match(/^bun (.+)$/)?.[1]?.split(' ');
  if (!args) throw new Error('the start script is not "bun …"');
  child = spawn(bunBinary(), args, {
    cwd: DIR,
    env: { PATH: process.env.PATH, HOME: DIR, PORT: '0', ...runtime.env() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  origin = await new Promise<string>((resolve, reject) => {
    child!.stdout!.on('data', (d) => {
      output += d;
      const port = output.match(/listening on http:\/\/localhost:(\d+)/)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    child!.stderr!.on('data', (d) => (output += d));
    child!.once('exit', (code) => reject(new Error(`bun exited (${code}):\n${output}`)));
  });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise<number | null>((r) => child!.once('exit', r));
    child.kill('SIGTERM'); // the app must exit on its own
    expect(await exited).toBe(0);
  }
  await runtime.close();
});

describe('examples/bun in the real Bun', () => {
  it('allows /: the handler runs and sees the decision', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      hello: 'world',
      decision: 'allow',
      id: runtime.lastDecisionId(),
    });
    // The socket's peer: X-Forwarded-For is written by the client here, so it is not believed.
    runtime.expectSignedCall({
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/fetch', runtime: 'bun' },
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

describe('examples/bun/README.md', () => {
  itShowsFilesAsTheyAre('bun', { title: 'shows the server', files: ['src/server.ts'] });
});

describeRootReadme('bun');
