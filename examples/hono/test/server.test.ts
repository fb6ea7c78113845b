/**
 * The example as `npm run build && npm start` runs it: `tsc`, then the start script's command as
 * its own process, with PORT and the ESPER_* variables pointing at a real mock runtime on
 * loopback scripted by esper-mock.json.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  DEFAULT_TEST_KEY,
  type MockRuntime,
  type StartMockRuntimeOptions,
  startMockRuntime,
} from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(`${DIR}${file}`, 'utf8');

let mock: MockRuntime;
let server: ChildProcess | undefined;
let origin: string;

/** A client connecting straight to the server, claiming another address in X-Forwarded-For. */
const get = (path: string, accept = 'text/html') =>
  fetch(origin + path, {
    headers: { accept, 'x-forwarded-for': '203.0.113.99' },
    redirect: 'manual',
  });

const lastDecisionId = () =>
  (JSON.parse(mock.requests.at(-1)?.response?.body ?? '{}') as { decision_id?: string })
    .decision_id;

beforeAll(async () => {
  mock = await startMockRuntime(JSON.parse(read('esper-mock.json')) as StartMockRuntimeOptions);
  await promisify(execFile)(process.execPath, [`${DIR}node_modules/typescript/bin/tsc`], {
    cwd: DIR,
  });
  const start = JSON.parse(read('package.json')).scripts.start.match(/^node (.+)$/)?.[1];
  if (!start) throw new Error('the start script is not "node …"');
  server = spawn(process.execPath, start.split(' '), {
    cwd: DIR,
    env: {
      ...process.env,
      PORT: '0', // any free port; the app prints the one it got
      ESPER_API_BASE: mock.url,
      ESPER_API_KEY: DEFAULT_TEST_KEY.apiKey,
      ESPER_API_SECRET: DEFAULT_TEST_KEY.secret,
      ESPER_TIMEOUT_MS: '10000', // a loaded CI machine, not production
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  origin = await new Promise<string>((resolve, reject) => {
    server?.stdout?.on('data', (d) => {
      output += d;
      const port = output.match(/listening on http:\/\/localhost:(\d+)/)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    server?.stderr?.on('data', (d) => (output += d));
    server?.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
}, 60_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server?.once('exit', r));
    server.kill('SIGTERM'); // the app must exit on its own
    await exited;
  }
  await mock?.close();
});

describe('examples/hono on Node (@hono/node-server)', () => {
  it("allows /: the route runs and sees c.get('esper')", async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      hello: 'world',
      decision: 'allow',
      decisionId: lastDecisionId(),
    });
    const call = mock.requests.at(-1);
    expect(call?.verification).toMatchObject({ ok: true, keyId: DEFAULT_TEST_KEY.apiKey });
    // The socket's peer: X-Forwarded-For is written by the client here, so it is not believed.
    expect(call?.body).toMatchObject({
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/hono', runtime: 'node' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    const res = await get('/login');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${mock.url}/challenge\\?`));
    expect(res.headers.get('x-esper-decision-id')).toBe(lastDecisionId());
  });

  it('blocks /admin and /?foo=bar with a 403', async () => {
    const admin = await get('/admin', 'application/json');
    expect(admin.status).toBe(403);
    expect(await admin.json()).toMatchObject({ decision_id: lastDecisionId() });
    expect((await get('/?foo=bar')).status).toBe(403);
  });
});

describe('examples/hono/README.md', () => {
  const readme = read('README.md');
  const shown = [...readme.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)];
  it.each(shown.map((m) => [m[1]!, m[2]!]))('shows %s as it is in the example', (file, code) => {
    expect(code).toBe(read(file));
  });
  it('shows the app and its Node entry point', () => {
    expect(shown.map((m) => m[1])).toEqual(['src/app.ts', 'src/server.ts']);
  });
});

describe('the root README', () => {
  it('quotes this example as it is: its lines, in order ("// …" stands for the rest)', () => {
    const root = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const from = /<!-- from: examples\/hono\/(\S+) -->\n```\w*\n([\s\S]*?)```\n/g;
    const quoted = [...root.matchAll(from)];
    expect(quoted.length).toBeGreaterThan(0);
    for (const [, file, code] of quoted) {
      const lines = read(file!).split('\n');
      let at = 0;
      for (const line of code!.split('\n').filter((l) => l.trim() && l.trim() !== '// …')) {
        const found = lines.indexOf(line, at);
        expect(found, `${file}: ${line}`).toBeGreaterThanOrEqual(0);
        at = found + 1;
      }
    }
  });
});
