import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, it } from 'vitest';

const KEY = { apiKey: 'cf_readme_key', secret: 'cf_readme_secret_0123456789' };
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const snippet = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;

let runtime: MockRuntime;
let mf: Miniflare;

beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [{ match: { path: '/admin' }, answer: { action: 'block' } }],
  });
  const out = await build({
    stdin: {
      contents: snippet,
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
    alias: { '@esper/cloudflare': fileURLToPath(new URL('./index.ts', import.meta.url)) },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'silent',
  });
  mf = new Miniflare({
    modules: true,
    script: out.outputFiles[0]!.text,
    compatibilityDate: '2025-07-01',
    bindings: {
      ESPER_API_KEY: KEY.apiKey,
      ESPER_API_SECRET: KEY.secret,
      ESPER_API_BASE: runtime.url,
    },
  });
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await runtime?.close();
});

it('the README snippet protects a worker', async () => {
  const ok = await mf.dispatchFetch('https://app.example/');
  expect(await ok.text()).toBe('Hello! Esper said: allow');
  const blocked = await mf.dispatchFetch('https://app.example/admin');
  expect(blocked.status).toBe(403);
  expect(runtime.requests).toHaveLength(2);
});
