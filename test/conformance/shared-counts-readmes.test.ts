/**
 * The "Shared counts" snippets of packages/lambda/README.md (Redis over TCP) and
 * packages/vercel/README.md (Upstash over HTTP; the snippet is a fixture file, checked byte for
 * byte by vercel-readme.test.ts), each bundled and loaded twice, as two instances, synced from
 * the real `@esper/runtime` origin serving examples/express-hybrid's tenant ("block an
 * account's 6th login attempt in 1 minute"), counting in one real `redis-server` (Upstash's REST
 * protocol through test/helpers/upstash-bridge.ts). Logins alternating between the two: five
 * allowed, the 6th blocked; counted per instance, all six would pass.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exampleOrigin, MITIGATION_PATH } from '../helpers/example-origin.js';
import { type RedisServer, redisUnavailable, startRedisServer } from '../helpers/redis-server.js';
import { startUpstashBridge, type UpstashBridge } from '../helpers/upstash-bridge.js';
import { buildEvent, lambdaContext } from './targets/lambda.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const unavailable = redisUnavailable();
if (unavailable) console.warn(`shared-counts README tests skipped: ${unavailable}`);

const origin = exampleOrigin('express-hybrid');
const tmp = mkdtempSync(join(tmpdir(), 'esper-shared-counts-'));
let redis: RedisServer;
let bridge: UpstashBridge;

/** The code block of the README's "## Shared counts" section (the `ts` one). */
function sharedSnippet(readme: string): string {
  const text = readFileSync(`${ROOT}${readme}`, 'utf8');
  const start = text.indexOf('\n## Shared counts\n');
  expect(start, `${readme}: a "## Shared counts" section`).toBeGreaterThan(0);
  const end = text.indexOf('\n## ', start + 1);
  const code = /```ts\n([\s\S]*?)```/.exec(text.slice(start, end === -1 ? undefined : end))?.[1];
  expect(code, `${readme}: a ts block in "Shared counts"`).toBeDefined();
  expect(code).toContain('store: create');
  return code!;
}

/** Bundles a snippet as a user's bundler would, the workspace packages from their sources. */
async function bundle(contents: string): Promise<string> {
  const out = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'snippet.ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@esper/source', 'module'],
    nodePaths: [`${ROOT}node_modules/.pnpm/node_modules`],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles![0]!.text;
}

/** Two instances: the bundle written twice and imported twice (two module instances). */
async function twoInstances<T>(name: string, code: string, env: Record<string, string>) {
  const loaded: T[] = [];
  for (const n of [1, 2]) {
    const file = join(tmp, `${name}-${n}.mjs`);
    writeFileSync(file, code);
    for (const [key, value] of Object.entries({ ...origin.env(), ...env })) vi.stubEnv(key, value);
    try {
      loaded.push((await import(/* @vite-ignore */ pathToFileURL(file).href)) as T);
    } finally {
      vi.unstubAllEnvs();
    }
  }
  return loaded;
}

/**
 * Sends `login(instance, user)` for a user of its own to each instance until one is blocked:
 * the instance has synced and counts in the store (before that, decisions fall back).
 */
async function warmUp(login: (i: number, user: string) => Promise<number>) {
  for (const i of [0, 1]) {
    const deadline = Date.now() + 10_000;
    while ((await login(i, `warm-${i}`)) !== 403) {
      if (Date.now() > deadline) throw new Error(`instance ${i + 1} never counted in the store`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Six logins for one account, alternating instances; then another account. */
async function sixLogins(login: (i: number, user: string) => Promise<number>) {
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push(await login(i % 2, 'alice'));
  expect(statuses).toEqual([200, 200, 200, 200, 200, 403]);
  expect(await login(1, 'alice')).toBe(403);
  expect(await login(0, 'bob')).toBe(200);
}

describe.skipIf(!!unavailable)('the "Shared counts" README snippets, two instances each', () => {
  beforeAll(async () => {
    await origin.start();
    redis = await startRedisServer();
    bridge = await startUpstashBridge(redis.url);
  }, 60_000);
  afterAll(async () => {
    expect(origin.calls()).not.toContain(MITIGATION_PATH);
    await bridge?.close();
    await redis?.stop();
    await origin.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('packages/lambda: two execution environments on one Redis', async () => {
    type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number }>;
    const code = await bundle(sharedSnippet('packages/lambda/README.md'));
    const envs = await twoInstances<{ handler: Handler }>('lambda', code, {
      REDIS_URL: redis.url,
    });
    redis.cli('FLUSHALL');
    const login = async (i: number, user: string) =>
      (
        await envs[i]!.handler(
          buildEvent('v2', {
            method: 'POST',
            path: `/api/login?user=${user}`,
            headers: [['accept', 'application/json']],
            platformIp: '198.51.100.5',
          }),
          lambdaContext(),
        )
      ).statusCode;
    await warmUp(login);
    await sixLogins(login);
    expect(
      redis.cli('--scan', '--pattern', 'esper:*alice*').split('\n').filter(Boolean),
    ).not.toEqual([]);
  }, 30_000);

  it('packages/vercel: two instances of the middleware on one Upstash (over a real Redis)', async () => {
    type Middleware = (
      r: Request,
      c: { waitUntil(p: Promise<unknown>): void },
    ) => Promise<Response>;
    const fixture = readFileSync(
      new URL('./fixtures/vercel-readme/middleware-shared.ts', import.meta.url),
      'utf8',
    );
    expect(sharedSnippet('packages/vercel/README.md')).toBe(fixture);
    const instances = await twoInstances<{ default: Middleware }>('vercel', await bundle(fixture), {
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
    });
    const login = async (i: number, user: string) => {
      const request = new Request(`https://app.example/api/login?user=${user}`, {
        method: 'POST',
        headers: { accept: 'application/json', 'x-real-ip': '198.51.100.6' },
      });
      return (await instances[i]!.default(request, { waitUntil: () => {} })).status;
    };
    redis.cli('FLUSHALL'); // the Lambda test counted alice too
    await warmUp(login);
    const before = bridge.commands;
    await sixLogins(login);
    // Every decision went through the bridge: one command each (EVALSHA), none skipped.
    expect(bridge.commands - before).toBe(8);
  }, 30_000);
});
