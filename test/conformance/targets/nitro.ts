import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { buildOnce, packageInputs } from '../../helpers/build-once.mjs';
import { freePort, runNode, startNodeProcess } from '../../helpers/node-process.mjs';
import { appendingProxy, listeningOrigin, serverTarget } from '../../helpers/server-target.js';
import { type Target, targetEnv } from '../target.js';
import { viaCloudflare } from './cloudflare-workerd.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/nitro-app/', import.meta.url));
const NITRO_CLI = fileURLToPath(
  new URL('../../../packages/nuxt/node_modules/nitropack/dist/cli/index.mjs', import.meta.url),
);
/** What the fixture imports besides its own files (APP_CONTRACT, the hybrid column's decider). */
const SHARED = ['../target.ts', '../fixtures/hybrid.ts'].map((f) =>
  fileURLToPath(new URL(f, import.meta.url)),
);

/**
 * `nitro build` (node-server preset) of the fixture, once for every suite and process
 * (build-once): the directory holding `.output/` (`node .output/server/index.mjs`).
 */
export function buildNitroApp(preset: 'node-server' | 'cloudflare-module' = 'node-server') {
  // build-once fingerprints directories: the two shared files go into the name instead.
  const shared = createHash('sha256');
  for (const file of SHARED) shared.update(readFileSync(file));
  const name = preset === 'node-server' ? 'nitro-app' : 'nitro-workers';
  return buildOnce(`${name}-${shared.digest('hex').slice(0, 8)}`, {
    inputs: [FIXTURE, ...packageInputs('nuxt')],
    async build(outDir) {
      await runNode(FIXTURE, [NITRO_CLI, 'build', FIXTURE], {
        ESPER_NITRO_OUT: outDir,
        ESPER_NITRO_PRESET: preset,
      });
    },
  });
}

/** The cloudflare-module build of the fixture in workerd (Miniflare), `bindings` its env. */
export async function startNitroWorkers(bindings: Record<string, string>): Promise<Miniflare> {
  const dir = join(await buildNitroApp('cloudflare-module'), '.output/server');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  const mf = new Miniflare({
    modules: files
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => ({ type: 'ESModule' as const, path: join(dir, f) })),
    modulesRoot: dir,
    compatibilityDate: '2025-07-01',
    bindings,
  });
  await mf.ready;
  return mf;
}

/**
 * The fixture built with Nitro's `cloudflare-module` preset, run in workerd (Miniflare) with the
 * ESPER_* settings as bindings, as `wrangler deploy .output/server/index.mjs` would upload it.
 * Plays Cloudflare's edge: `cf-connecting-ip` is always overwritten with the address it saw.
 * (`public/` is Cloudflare's static assets there, outside the worker, so it is not served.)
 */
export const nitroWorkersTarget: Target = {
  name: 'nitro-workers',
  start: async (options) => viaCloudflare(await startNitroWorkers(targetEnv(options))),
};

export interface NitroServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  output(): string;
  stop(): Promise<void>;
}

/** The Nitro fixture, built (once) and started with `env` added (ESPER_*). */
export async function startNitroApp(env: Record<string, string>): Promise<NitroServer> {
  return startNitroOutput(await buildNitroApp(), env);
}

/**
 * `node .output/server/index.mjs` of the build in `dir` (Nitro's or Nuxt's node-server output),
 * on a free port of 127.0.0.1 (NITRO_HOST / NITRO_PORT), with `env` added.
 */
export async function startNitroOutput(
  dir: string,
  env: Record<string, string>,
): Promise<NitroServer> {
  const port = await freePort();
  const app = startNodeProcess({
    cwd: dir,
    args: [join(dir, '.output/server/index.mjs')],
    env: { ...env, NITRO_HOST: '127.0.0.1', NITRO_PORT: String(port) },
  });
  const listening = new RegExp(`Listening on http://127\\.0\\.0\\.1:${port}`);
  const origin = await listeningOrigin(app, 'node .output/server/index.mjs', listening, port);
  return { origin, output: app.output, stop: app.stop };
}

/**
 * The fixture on Nitro's node-server preset. `proxied` (as deployed behind a load balancer):
 * one proxy on 127.0.0.1 appends the address it saw to `x-forwarded-for`, and the app is told
 * to trust it (`ESPER_TRUSTED_PROXIES=127.0.0.1`, core's `clientIp.trustedProxies`), so the
 * client is the proxy's entry whatever the client sent. `direct`: no proxy, the adapter's
 * default: the client IP is the socket peer (127.0.0.1), forwarding headers are ignored.
 */
export function nitroTarget(mode: 'proxied' | 'direct' = 'proxied'): Target {
  return nodeServerTarget('nitro', mode, startNitroApp);
}

/** A node-server build started by `start`, `proxied` or `direct` as `nitroTarget` says. */
export function nodeServerTarget(
  name: string,
  mode: 'proxied' | 'direct',
  start: (env: Record<string, string>) => Promise<NitroServer>,
): Target {
  const proxied = mode === 'proxied';
  return serverTarget({
    name: proxied ? name : `${name}-direct`,
    ...(proxied && { platform: appendingProxy() }),
    start(options) {
      const env = targetEnv(options);
      return start(proxied ? { ...env, ESPER_TRUSTED_PROXIES: '127.0.0.1' } : env);
    },
  });
}
