/**
 * The "Hybrid mode" snippet of each adapter's README, run as written against the real
 * `@esper/runtime` origin (examples/express-hybrid's tenant: `/admin` blocked), through a
 * recording proxy: each protects its app with a local decider, and origin sees snapshot polls
 * but never a mitigation call. (The Vercel snippet is a fixture file, checked byte for byte
 * against the README by vercel-readme.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  eventually,
  exampleOrigin,
  MITIGATION_PATH,
  SNAPSHOT_PATH,
} from '../helpers/example-origin.js';
import { freePort, startNodeProcess, waitUntilAnswering } from '../helpers/node-process.mjs';
import { buildEvent, lambdaContext } from './targets/lambda.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const origin = exampleOrigin('express-hybrid');
const tmp = mkdtempSync(join(tmpdir(), 'esper-hybrid-readmes-'));

/** The first code block of the README's "## Hybrid mode" section. */
function hybridSnippet(readme: string): string {
  const text = readFileSync(`${ROOT}${readme}`, 'utf8');
  const start = text.indexOf('\n## Hybrid mode\n');
  expect(start, `${readme}: a "## Hybrid mode" section`).toBeGreaterThan(0);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  const code = /```(?:js|ts)\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code, `${readme}: a code block in "Hybrid mode"`).toBeDefined();
  expect(code).toContain('decider: hybrid.decider');
  return code!;
}

/** Bundles a snippet as a user's bundler would, the workspace packages from their sources. */
async function bundle(contents: string, platform: 'node' | 'browser'): Promise<string> {
  const out = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'snippet.ts' },
    bundle: true,
    format: 'esm',
    platform,
    target: platform === 'node' ? 'node20' : 'es2022',
    conditions:
      platform === 'node' ? ['@esper/source', 'module'] : ['@esper/source', 'workerd', 'worker'],
    nodePaths: [`${ROOT}node_modules/.pnpm/node_modules`],
    // Express is CommonJS: its require() calls of Node's modules need a real require.
    banner:
      platform === 'node'
        ? {
            js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
          }
        : {},
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles![0]!.text;
}

/** Writes the bundle and imports it with the origin's settings in process.env. */
async function load<T>(name: string, code: string): Promise<T> {
  const file = join(tmp, `${name}.mjs`);
  writeFileSync(file, code);
  for (const [key, value] of Object.entries(origin.env())) vi.stubEnv(key, value);
  try {
    return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as T;
  } finally {
    vi.unstubAllEnvs();
  }
}

beforeAll(() => origin.start());
afterAll(async () => {
  // Origin saw the adapters' snapshot polls, and no mitigation call from any of them.
  expect(origin.calls()).toContain(SNAPSHOT_PATH);
  expect(origin.calls()).not.toContain(MITIGATION_PATH);
  await origin.close();
  rmSync(tmp, { recursive: true, force: true });
});

const get = (url: string) => fetch(url, { headers: { accept: 'application/json' } });

describe('the "Hybrid mode" README snippets, run against the origin', () => {
  it('packages/express: the app decides in its process', async () => {
    const file = join(tmp, 'express.mjs');
    writeFileSync(file, await bundle(hybridSnippet('packages/express/README.md'), 'node'));
    const port = await freePort();
    const app = startNodeProcess({
      cwd: tmp,
      args: [file],
      env: { ...origin.env(), PORT: `${port}` },
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitUntilAnswering(app, 'the express snippet', () => get(`${base}/`));
      expect(await (await get(`${base}/`)).text()).toBe('Esper said: allow (local)');
      const blocked = await get(`${base}/admin`);
      expect(blocked.status).toBe(403);
      expect((await blocked.json()).decision_id).toMatch(/^dec_hyb_/);
    } finally {
      await app.stop();
    }
  });

  it('packages/cloudflare: the worker decides in the isolate', async () => {
    const mf = new Miniflare({
      modules: true,
      script: await bundle(hybridSnippet('packages/cloudflare/README.md'), 'browser'),
      compatibilityDate: '2025-07-01',
      bindings: origin.env(),
    });
    try {
      const admin = () =>
        mf.dispatchFetch('https://app.example/admin', { headers: { accept: 'application/json' } });
      // The isolate's first requests fail open until the sync they started lands.
      await eventually(async () => (await admin()).status === 403, 5000);
      const blocked = await admin();
      expect(blocked.headers.get('x-esper-decision-id')).toMatch(/^dec_hyb_/);
      await blocked.arrayBuffer();
      expect(await (await mf.dispatchFetch('https://app.example/')).text()).toBe('Hello!');
    } finally {
      await mf.dispose();
    }
  });

  it('packages/vercel: the middleware decides in process', async () => {
    const fixture = readFileSync(
      new URL('./fixtures/vercel-readme/middleware-hybrid.ts', import.meta.url),
      'utf8',
    );
    expect(hybridSnippet('packages/vercel/README.md')).toBe(fixture);
    const { default: middleware } = await load<{
      default: (r: Request, c: { waitUntil(p: Promise<unknown>): void }) => Promise<Response>;
    }>('vercel', await bundle(fixture, 'node'));
    const context = { waitUntil: () => {} };
    const admin = () =>
      middleware(
        new Request('https://app.example/admin', { headers: { accept: 'application/json' } }),
        context,
      );
    await eventually(async () => (await admin()).status === 403, 5000);
    expect((await admin()).headers.get('x-esper-decision-id')).toMatch(/^dec_hyb_/);
    const allowed = await middleware(new Request('https://app.example/'), context);
    expect(allowed.headers.get('x-middleware-request-x-esper-decision-id')).toMatch(/^dec_hyb_/);
  });

  it('packages/lambda: the function decides in its execution environment', async () => {
    type Handler = (
      event: unknown,
      context: unknown,
    ) => Promise<{ statusCode: number; body?: string }>;
    const { handler } = await load<{ handler: Handler }>(
      'lambda',
      await bundle(hybridSnippet('packages/lambda/README.md'), 'node'),
    );
    const invoke = (path: string) =>
      handler(
        buildEvent('v2', {
          path,
          headers: [['accept', 'application/json']],
          platformIp: '198.51.100.5',
        }),
        lambdaContext(),
      );
    await eventually(async () => (await invoke('/admin')).statusCode === 403, 5000);
    expect(JSON.parse((await invoke('/admin')).body!).decision_id).toMatch(/^dec_hyb_/);
    expect(await invoke('/')).toMatchObject({ statusCode: 200, body: 'hello' });
  });

  it('packages/hono: the app decides in process', async () => {
    const { default: app } = await load<{ default: { fetch(r: Request): Promise<Response> } }>(
      'hono',
      await bundle(hybridSnippet('packages/hono/README.md'), 'node'),
    );
    const admin = () =>
      app.fetch(
        new Request('http://app.example/admin', { headers: { accept: 'application/json' } }),
      );
    await eventually(async () => (await admin()).status === 403, 5000);
    expect((await admin()).headers.get('x-esper-decision-id')).toMatch(/^dec_hyb_/);
    expect(await (await app.fetch(new Request('http://app.example/'))).text()).toBe(
      'Esper said: allow (local)',
    );
  });
});
