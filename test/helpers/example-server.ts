/**
 * An example run as its platform runs it (examples/*\/test): the mock runtime scripted by its
 * esper-mock.json, its build, its server in its own process, a client for it, and the three
 * routes every example's esper-mock.json scripts (/ allowed, /login challenged, /admin and
 * /?foo=bar blocked).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleRuntime } from './example-runtime.js';
import { runNode } from './node-process.mjs';
import type { RunningServer } from './server-target.js';

/** examples/<example>/, with its trailing slash. */
export const exampleDir = (example: string) =>
  fileURLToPath(new URL(`../../examples/${example}/`, import.meta.url));

/** `tsc`, the build script of the Node examples, with the example's own TypeScript. */
export const tsc = (dir: string) => runNode(dir, [`${dir}node_modules/typescript/bin/tsc`]);

/** The arguments of the package.json start script, which must be `<program> …`. */
export function startScript(dir: string, program = 'node'): string[] {
  const { scripts } = JSON.parse(readFileSync(`${dir}package.json`, 'utf8'));
  const args = scripts.start.match(new RegExp(`^${program} (.+)$`))?.[1];
  if (!args) throw new Error(`the start script is not "${program} …"`);
  return args.split(' ');
}

export interface ExampleClient {
  runtime: ReturnType<typeof exampleRuntime>;
  /** GET `path` as a client that claims `forwardedFor` (the example must not believe it). */
  get(path: string, accept?: string): Promise<Response>;
}

export interface ExampleServerOptions {
  /** Built once the runtime runs (`tsc`, `astro build`, …); `start` then starts the server. */
  build?: () => Promise<unknown>;
  start(env: Record<string, string>): Promise<RunningServer>;
  /** The X-Forwarded-For every request carries (a client's claim, or a router's line). */
  forwardedFor?: string;
  timeoutMs?: number;
}

/**
 * beforeAll: the mock runtime, the build, the server (given the runtime's `env()`); afterAll:
 * the server stopped (SIGTERM: the app must exit on its own), then the runtime.
 */
export function exampleServer(example: string, o: ExampleServerOptions): ExampleClient {
  const runtime = exampleRuntime(example);
  let server: RunningServer | undefined;
  beforeAll(async () => {
    await runtime.start();
    await o.build?.();
    server = await o.start(runtime.env());
  }, o.timeoutMs ?? 60_000);
  afterAll(async () => {
    await server?.stop();
    await runtime.close();
  });
  return { runtime, get: exampleGet(() => server!.origin, o.forwardedFor) };
}

/** A client of the server at `origin()`, claiming `forwardedFor` in X-Forwarded-For. */
export const exampleGet =
  (origin: () => string, forwardedFor = '203.0.113.99') =>
  (path: string, accept = 'text/html') =>
    fetch(origin() + path, {
      headers: { accept, 'x-forwarded-for': forwardedFor },
      redirect: 'manual',
    });

export interface MockRoutes {
  /** The title of the / test, and what the runtime must have been sent for it. */
  allows: string;
  signed: Record<string, unknown>;
  /** How / must be answered; by default JSON `{ hello, decision, [idKey]: decisionId }`. */
  allowed?: (res: Response) => Promise<void>;
  idKey?: string;
  /** The title of the block test, and more checks after /admin's (before /?foo=bar's). */
  blocks?: string;
  alsoBlocked?: () => Promise<void>;
}

/** The three tests of the routes every example's esper-mock.json scripts. */
export function itDecidesTheMockRoutes({ runtime, get }: ExampleClient, o: MockRoutes): void {
  it(o.allows, async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    if (o.allowed) await o.allowed(res);
    else {
      expect(await res.json()).toEqual({
        hello: 'world',
        decision: 'allow',
        [o.idKey ?? 'decisionId']: runtime.lastDecisionId(),
      });
    }
    runtime.expectSignedCall(o.signed);
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    runtime.expectChallengeRedirect(await get('/login'));
  });

  it(o.blocks ?? 'blocks /admin and /?foo=bar with a 403', async () => {
    const admin = await get('/admin', 'application/json');
    expect(admin.status).toBe(403);
    expect(await admin.json()).toMatchObject({ decision_id: runtime.lastDecisionId() });
    await o.alsoBlocked?.();
    expect((await get('/?foo=bar')).status).toBe(403);
  });
}
