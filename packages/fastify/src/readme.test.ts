import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KEY, seenBody } from '../test/server.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const snippet = /## Quick start\n\n```js\n([\s\S]*?)```/.exec(readme)?.[1];

let runtime: MockRuntime;
let child: ChildProcess | undefined;
beforeAll(async () => {
  runtime = await startMockRuntime({ keys: [KEY] });
});
afterAll(async () => {
  child?.kill();
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

it('the README quick start runs as written (built package, fresh Node process)', async () => {
  expect(snippet).toContain('await app.register(esper);');
  const port = await freePort();
  // Run from this package, so `fastify` and `@esper/fastify` resolve as in a customer's app.
  child = spawn(process.execPath, ['--input-type=module', '-e', snippet!], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      ESPER_API_KEY: KEY.apiKey,
      ESPER_API_SECRET: KEY.secret,
      ESPER_API_BASE: runtime.url,
      ESPER_TIMEOUT_MS: '2000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const get = () =>
    fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': '6.6.6.6' } });
  let res: Response | undefined;
  for (let i = 0; i < 150 && !res; i++) {
    res = await get().catch(() => new Promise<undefined>((r) => setTimeout(r, 100)));
  }
  expect(await res!.text()).toBe('Esper said: allow');
  const sent = seenBody(runtime.requests.at(-1)!);
  expect(sent.request.client_ip).toBe('127.0.0.1');
  expect(sent.source).toMatchObject({ sdk: '@esper/fastify', runtime: 'node' });
}, 30_000);
