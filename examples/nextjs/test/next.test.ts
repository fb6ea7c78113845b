/**
 * The example as it ships: a real `next build` (once), then `next start` on 127.0.0.1 with its
 * ESPER_* settings pointing at a real mock runtime on loopback, scripted by esper-mock.json
 * (the same file the README's `npx esper-mock --config esper-mock.json` uses).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_TEST_KEY, type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const NEXT_BIN = `${APP_DIR}node_modules/next/dist/bin/next`;
// CI=1: Next must not prompt or try to install anything.
const NEXT_ENV = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', CI: '1' };
const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let mock: MockRuntime;
let next: ChildProcess | undefined;
let origin: string;
let output = '';

/** Plays Vercel's proxy: it overwrites x-real-ip with the address it saw. */
const get = (path: string, accept = 'text/html', ip = '198.51.100.7') =>
  fetch(origin + path, { headers: { accept, 'x-real-ip': ip }, redirect: 'manual' });

/** The decision id the mock sent for the last request it answered. */
const lastDecisionId = () =>
  (JSON.parse(mock.requests.at(-1)?.response?.body ?? '{}') as { decision_id?: string })
    .decision_id;

beforeAll(async () => {
  mock = await startMockRuntime(JSON.parse(read('esper-mock.json')));
  await promisify(execFile)(process.execPath, [NEXT_BIN, 'build'], {
    cwd: APP_DIR,
    env: NEXT_ENV,
    maxBuffer: 16 * 1024 * 1024,
  });
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  next = spawn(
    process.execPath,
    [NEXT_BIN, 'start', '--hostname', '127.0.0.1', '--port', `${port}`],
    {
      cwd: APP_DIR,
      env: {
        ...NEXT_ENV,
        ESPER_API_BASE: mock.url,
        ESPER_API_KEY: DEFAULT_TEST_KEY.apiKey,
        ESPER_API_SECRET: DEFAULT_TEST_KEY.secret,
        // The default 300 ms budget is for production; a loaded CI machine's first request
        // (cold process) can take longer, and would then fail open instead of being decided.
        ESPER_TIMEOUT_MS: '10000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  next.stdout?.on('data', (d) => (output += d));
  next.stderr?.on('data', (d) => (output += d));
  // /favicon.ico is outside the proxy's matcher, so waiting for it asks the mock nothing.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (next.exitCode !== null) throw new Error(`next start exited:\n${output}`);
    try {
      await fetch(`${origin}/favicon.ico`);
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`next start did not answer: ${err}\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}, 240_000);

afterAll(async () => {
  if (next && next.exitCode === null) {
    const exited = new Promise((r) => next?.once('exit', r));
    next.kill('SIGTERM');
    await exited;
  }
  await mock?.close();
});

describe('examples/nextjs under next start (proxy.ts, Node.js runtime)', () => {
  it('allows / and the page shows the decision it received', async () => {
    const res = await get('/');
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toMatch(/id="decision">allow</);
    // The id on the page is the runtime's, so the decision came from the mock, not a fallback.
    expect(html).toContain(`id="decision-id">${lastDecisionId()}<`);
    const call = mock.requests.at(-1);
    expect(call?.verification).toMatchObject({ ok: true, keyId: DEFAULT_TEST_KEY.apiKey });
    expect(call?.body).toMatchObject({
      request: { method: 'GET', path: '/', client_ip: '198.51.100.7' },
      source: { sdk: '@esper/vercel', runtime: 'vercel-node' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    const res = await get('/login');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${mock.url}/challenge\\?`));
    expect(res.headers.get('x-esper-decision')).toBe('challenge');
    expect(res.headers.get('x-esper-decision-id')).toBe(lastDecisionId());
  });

  it('blocks /admin with a 403 (JSON for an API client)', async () => {
    const res = await get('/admin', 'application/json');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-esper-decision')).toBe('block');
    expect(res.headers.get('x-esper-decision-id')).toBe(lastDecisionId());
  });

  it('blocks /?foo=bar, the quickstart policy, with an HTML page for a browser', async () => {
    const res = await get('/?foo=bar');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(mock.requests.at(-1)?.body).toMatchObject({ request: { path: '/', query: 'foo=bar' } });
  });
});

describe('examples/nextjs/README.md', () => {
  const readme = read('README.md');
  it.each(
    [...readme.matchAll(/<!-- file: (\S+) -->\n```\w+\n([\s\S]*?)```\n/g)].map((m) => [
      m[1]!,
      m[2]!,
    ]),
  )('shows %s as it is in the example', (file, code) => {
    expect(code).toBe(read(file));
  });
  it('shows every file it names, and the code of proxy.ts and edge/middleware.ts', () => {
    expect(readme).toContain('<!-- file: proxy.ts -->');
    expect(readme).toContain('<!-- file: edge/middleware.ts -->');
  });
});

describe('the root README', () => {
  it('quotes this example as it is: its lines, in order ("// …" stands for the rest)', () => {
    const root = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const from = /<!-- from: examples\/nextjs\/(\S+) -->\n```\w*\n([\s\S]*?)```\n/g;
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
