import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callFor, KEY } from '../test/server.js';

// Each README snippet marked `<!-- readme-test: NAME -->`, run as written in a Node process of
// its own from this package, so `@esper/node`, koa and polka resolve as in a user's app (dist).
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const snippets = new Map(
  [...readme.matchAll(/<!-- readme-test: (\S+) -->\n```js\n([\s\S]*?)```/g)].map((m) => [
    m[1]!,
    m[2]!,
  ]),
);

let runtime: MockRuntime;
const children: ChildProcess[] = [];
beforeAll(async () => {
  runtime = await startMockRuntime({ keys: [KEY] });
});
afterAll(async () => {
  for (const child of children) child.kill();
  await runtime?.close();
});

function freePort() {
  return new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts the snippet with ESPER_* (and `env`) set, then GETs `path` once it listens. */
async function run(name: string, path: string, env: Record<string, string> = {}) {
  const snippet = snippets.get(name);
  expect(snippet, `README snippet ${name}`).toBeDefined();
  const port = await freePort();
  const child = spawn(process.execPath, ['--input-type=module', '-e', snippet!], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      ESPER_API_KEY: KEY.apiKey,
      ESPER_API_SECRET: KEY.secret,
      ESPER_API_BASE: runtime.url,
      ESPER_TIMEOUT_MS: '2000',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  const id = `readme-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const get = () =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { 'x-test-id': id, 'x-forwarded-for': '6.6.6.6, 203.0.113.9' },
    });
  let res: Response | undefined;
  for (let i = 0; i < 150 && !res; i++) {
    res = await get().catch(() => new Promise<undefined>((r) => setTimeout(r, 100)));
  }
  return { text: await res!.text(), seen: callFor(runtime.requests, id)! };
}

describe('the README snippets run as written', () => {
  it('node:http, behind a proxy named in ESPER_TRUSTED_PROXIES', async () => {
    const { text, seen } = await run('node-http', '/anything', {
      ESPER_TRUSTED_PROXIES: '127.0.0.1',
    });
    expect(text).toBe('Esper said: allow');
    expect(seen.source).toMatchObject({ sdk: '@esper/node', runtime: 'node' });
    expect(seen.request.client_ip).toBe('203.0.113.9');
  });

  it.each(['koa', 'polka'])(
    '%s: the router’s route serves /Hello/, decided as /hello',
    async (name) => {
      const { text, seen } = await run(name, '/Hello/');
      expect(text).toBe('Esper said: allow');
      expect(seen.request.path).toBe('/hello');
      // No trusted proxy: the socket peer, whatever X-Forwarded-For says.
      expect(seen.request.client_ip).toBe('127.0.0.1');
    },
  );
});
