/**
 * Runs a package README's first `ts` snippet as a worker in workerd (miniflare), with
 * `@esper/<name>` aliased to the package's source and ESPER_* bindings pointing at a mock
 * runtime that blocks `/admin`. Shared by the Cloudflare and Hono README tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

export async function startReadmeWorker(packageSrc: URL, name: string) {
  const key = { apiKey: `${name}_readme_key`, secret: `${name}_readme_secret_0123456789` };
  const readme = readFileSync(new URL('../README.md', packageSrc), 'utf8');
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const runtime: MockRuntime = await startMockRuntime({
    keys: [key],
    answers: [{ match: { path: '/admin' }, answer: { action: 'block' } }],
  });
  const out = await build({
    stdin: { contents: snippet, resolveDir: fileURLToPath(packageSrc), loader: 'ts' },
    alias: { [`@esper/${name}`]: fileURLToPath(new URL('./index.ts', packageSrc)) },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@esper/source', 'workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'silent',
  });
  const mf = new Miniflare({
    modules: true,
    script: out.outputFiles[0]!.text,
    compatibilityDate: '2025-07-01',
    bindings: {
      ESPER_API_KEY: key.apiKey,
      ESPER_API_SECRET: key.secret,
      ESPER_API_BASE: runtime.url,
    },
  });
  return {
    mf,
    runtime,
    async close() {
      await mf.dispose();
      await runtime.close();
    },
  };
}
