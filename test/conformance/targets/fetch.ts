import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bunBinary, denoBinary } from '../../../packages/fetch/src/test-support/runtimes.js';
import {
  type PortServer,
  serverTarget,
  startPortServer,
  writeServerFile,
} from '../../helpers/server-target.js';
import { type Target, targetEnv } from '../target.js';

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

/** A fixture running in Bun or Deno (packages/fetch/src/runtimes.test.ts uses it too). */
export type RuntimeProcess = PortServer;

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
  const { dir, file, remove } = await writeServerFile(`esper-fetch-${runtime}-`, code);
  const allowed = `--allow-env=${[...Object.keys(env), ...allowEnv]}`;
  return startPortServer(
    runtime,
    {
      command: runtime === 'bun' ? bunBinary() : denoBinary(),
      args:
        runtime === 'bun' ? ['run', file] : ['run', '--no-prompt', '--allow-net', allowed, file],
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        DENO_DIR: join(dir, 'deno'),
        NO_COLOR: '1',
        ...env,
      },
    },
    remove,
  );
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
  return serverTarget({
    name: `fetch-${runtime}`,
    start: async (options) =>
      startInRuntime(runtime, await fetchApp(), targetEnv(options), FETCH_APP_ENV),
  });
}
