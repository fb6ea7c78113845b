/**
 * Each README snippet marked `<!-- runs in: X -->`, run as written in the real X (the `bun`
 * and `deno` binaries of this package's devDependencies, or Node), against a mock runtime that
 * blocks `/admin`. `@esper/fetch` is bundled from this package's source. The Bun and Deno
 * snippets are also type-checked against the runtime's own types.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitUntilAnswering } from '../../../test/helpers/node-process.mjs';
import { bunBinary, denoBinary } from './test-support/runtimes.js';

const KEY = { apiKey: 'fetch_readme_key', secret: 'fetch_readme_secret_0123456789' };
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const snippets = [...readme.matchAll(/<!-- runs in: (\w+) -->\n```ts\n([\s\S]*?)```/g)].map(
  (m) => ({ runtime: m[1] as 'bun' | 'deno' | 'node', code: m[2]! }),
);

async function bundle(code: string, platform: 'neutral' | 'node'): Promise<string> {
  const src = fileURLToPath(new URL('.', import.meta.url));
  const out = await build({
    stdin: { contents: code, resolveDir: src, loader: 'ts' },
    alias: { '@esper/fetch': join(src, 'index.ts') },
    bundle: true,
    format: 'esm',
    platform,
    conditions: ['@esper/source', 'module', 'import'],
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

function command(runtime: string, file: string, port: number): [string, string[]] {
  if (runtime === 'bun') return [bunBinary(), ['run', file]];
  if (runtime === 'node') return [process.execPath, [file]];
  const env = '--allow-env=ESPER_API_KEY,ESPER_API_SECRET,ESPER_API_BASE,ESPER_TIMEOUT_MS';
  return [denoBinary(), ['serve', '--no-prompt', '--allow-net', env, `--port=${port}`, file]];
}

let runtime: MockRuntime;
beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [{ match: { path: '/admin' }, answer: { action: 'block' } }],
  });
});
afterAll(() => runtime?.close());

it('the README marks a snippet for Bun, Deno and Node', () => {
  expect(snippets.map((s) => s.runtime)).toEqual(['bun', 'deno', 'node']);
});

it('the Deno snippet type-checks against Deno’s own types (deno check)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'esper-fetch-deno-check-'));
  try {
    const src = (pkg: string, file: string) =>
      fileURLToPath(new URL(`../../${pkg}/src/${file}`, import.meta.url));
    const imports = {
      '@esper/fetch': src('fetch', 'index.ts'),
      '@esper/core': src('core', 'index.ts'),
      '@esper/core/adapter': src('core', 'adapter.ts'),
    };
    await writeFile(join(dir, 'deno.json'), JSON.stringify({ imports }));
    await writeFile(join(dir, 'main.ts'), snippets.find((s) => s.runtime === 'deno')!.code);
    // The sources import `./x.js` for `./x.ts`, as TypeScript's node16 resolution wants.
    const args = ['check', '--no-remote', '--unstable-sloppy-imports', 'main.ts'];
    const checked = spawn(denoBinary(), args, {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, DENO_DIR: join(dir, '.deno'), NO_COLOR: '1' },
    });
    let out = '';
    checked.stdout.on('data', (d) => (out += d));
    checked.stderr.on('data', (d) => (out += d));
    const code = await new Promise((r) => checked.once('exit', r));
    expect(code, out).toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);

it('the Bun snippet and examples/bun type-check against Bun’s own types (@types/bun)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'esper-fetch-bun-check-'));
  try {
    const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
    await writeFile(join(dir, 'main.ts'), snippets.find((s) => s.runtime === 'bun')!.code);
    const compilerOptions = {
      ...{ target: 'ES2022', module: 'Preserve', moduleResolution: 'bundler', strict: true },
      ...{
        noEmit: true,
        skipLibCheck: true,
        types: ['bun'],
        typeRoots: [here('../node_modules/@types')],
      },
      paths: {
        '@esper/fetch': [here('./index.ts')],
        '@esper/core': [here('../../core/src/index.ts')],
        '@esper/core/adapter': [here('../../core/src/adapter.ts')],
      },
    };
    const files = ['main.ts', here('../../../examples/bun/src/server.ts')];
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const checked = spawn(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir });
    let out = '';
    checked.stdout.on('data', (d) => (out += d));
    const code = await new Promise((r) => checked.once('exit', r));
    expect(code, out).toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);

for (const snippet of snippets) {
  describe(`the ${snippet.runtime} snippet`, () => {
    let dir: string;
    let child: ChildProcess;
    let origin: string;
    let output = '';

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), `esper-fetch-readme-${snippet.runtime}-`));
      const file = join(dir, 'main.mjs');
      await writeFile(
        file,
        await bundle(snippet.code, snippet.runtime === 'node' ? 'node' : 'neutral'),
      );
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      const [bin, args] = command(snippet.runtime, file, port);
      child = spawn(bin, args, {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          NO_COLOR: '1',
          PORT: String(port),
          ESPER_API_KEY: KEY.apiKey,
          ESPER_API_SECRET: KEY.secret,
          ESPER_API_BASE: runtime.url,
          // The 300 ms default is for production; a loaded machine's cold first call can take longer.
          ESPER_TIMEOUT_MS: '10000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const app = { child, output: () => output } as Parameters<typeof waitUntilAnswering>[0];
      await waitUntilAnswering(app, `${snippet.runtime} snippet`, () => fetch(`${origin}/ready`));
    }, 60_000);

    afterAll(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('allows, blocks, and sends the socket peer only', async () => {
      const spoof = { 'x-forwarded-for': '6.6.6.6', 'x-esper-decision': 'forged' };
      const ok = await fetch(`${origin}/`, { headers: spoof });
      expect(await ok.text()).toBe('Esper said: allow');
      const sent = runtime.requests.at(-1)!.body as {
        request: { client_ip?: string };
        source: { sdk: string; runtime: string };
      };
      expect(sent.request.client_ip).toBe('127.0.0.1');
      expect(sent.source).toMatchObject({ sdk: '@esper/fetch', runtime: snippet.runtime });
      const blocked = await fetch(`${origin}/admin`, { headers: { accept: 'application/json' } });
      expect(blocked.status).toBe(403);
    });
  });
}
