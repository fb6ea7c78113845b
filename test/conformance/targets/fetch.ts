import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bunBinary, denoBinary } from '../../../packages/fetch/src/test-support/runtimes.js';
import { type Target, targetEnv, toTargetResponse } from '../target.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export type FetchRuntime = 'bun' | 'deno';

/** A fixture (`withEsper` served by `Bun.serve`/`Deno.serve`) bundled as one ES module. */
export async function bundleFetchApp(entry: URL): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    // Workspace packages from their sources: no test needs a build.
    conditions: ['@esper/source', 'module', 'import'],
    mainFields: ['module', 'main'],
    nodePaths: [`${ROOT}node_modules/.pnpm/node_modules`],
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

export interface RuntimeProcess {
  /** http://127.0.0.1:PORT */
  origin: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs a bundled fixture in the real runtime and waits for the `{"port":N}` line it prints.
 * Deno gets network access and only the environment variables it is given.
 */
export async function startInRuntime(
  runtime: FetchRuntime,
  code: string,
  env: Record<string, string>,
  /** Names Deno may read besides those of `env` (a variable read when set, e.g. by a column). */
  allowEnv: string[] = [],
): Promise<RuntimeProcess> {
  const dir = await mkdtemp(join(tmpdir(), `esper-fetch-${runtime}-`));
  const file = join(dir, 'server.mjs');
  await writeFile(file, code);
  const args =
    runtime === 'bun'
      ? [bunBinary(), ['run', file]]
      : [
          denoBinary(),
          [
            'run',
            '--no-prompt',
            '--allow-net',
            `--allow-env=${[...Object.keys(env), ...allowEnv]}`,
            file,
          ],
        ];
  const child = spawn(args[0] as string, args[1] as string[], {
    env: { PATH: process.env.PATH, HOME: dir, DENO_DIR: join(dir, 'deno'), NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => reject(new Error(`${runtime} exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{"port":')) resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let bundled: Promise<string> | undefined;

/** What the fixture reads when set, besides `ESPER_*`: Deno may read it in every column. */
export const FETCH_APP_ENV = ['CONFORMANCE_HYBRID_POLL_MS'];

/** The conformance fixture, bundled once per process. */
export const fetchApp = (): Promise<string> =>
  (bundled ??= bundleFetchApp(new URL('../fixtures/fetch-app/server.ts', import.meta.url)));

/**
 * The conformance app wrapped by `withEsper`, in a real Bun or Deno process. No proxy in
 * front: the client IP is the socket peer (Bun's `server.requestIP`, Deno's
 * `info.remoteAddr`), so every request comes from 127.0.0.1 whatever `platformIp` says, and
 * client-sent forwarding headers reach the app unchanged.
 */
export function fetchTarget(runtime: FetchRuntime): Target {
  return {
    name: `fetch-${runtime}`,
    async start(options) {
      const app = await startInRuntime(
        runtime,
        await fetchApp(),
        targetEnv(options),
        FETCH_APP_ENV,
      );
      return {
        async request(req) {
          const res = await fetch(app.origin + req.path, {
            method: req.method ?? 'GET',
            headers: req.headers,
            body: req.body,
            redirect: 'manual',
          });
          return toTargetResponse(res);
        },
        expectedClientIp: () => '127.0.0.1',
        close: () => app.stop(),
      };
    },
  };
}
