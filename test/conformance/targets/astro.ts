import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce, packageInputs } from '../../helpers/build-once.mjs';
import { type NodeProcess, runNode } from '../../helpers/node-process.mjs';
import { serverTarget, startOnFreePort } from '../../helpers/server-target.js';
import { targetEnv } from '../target.js';

const fixtureDir = (name: string) =>
  fileURLToPath(new URL(`../fixtures/${name}/`, import.meta.url));
const ASTRO_PKG = fileURLToPath(new URL('../../../packages/astro/', import.meta.url));

/** `dir/node_modules/<name>` → @esper/astro's own copy, as a user's install would provide it. */
function link(dir: string, name: string): void {
  const path = join(dir, 'node_modules', name);
  if (existsSync(path)) return;
  mkdirSync(join(path, '..'), { recursive: true });
  symlinkSync(join(ASTRO_PKG, 'node_modules', name), path, 'dir');
}

/**
 * `astro build` of fixtures/astro-app, once for every suite (build-once): the middleware and
 * the packages come from their sources. The server it writes imports `astro/app/node` at run
 * time, so the output directory gets a node_modules of its own.
 */
export function buildAstroApp(
  fixture = 'astro-app',
  buildEnv: Record<string, string> = {},
): Promise<string> {
  const APP = fixtureDir(fixture);
  return buildOnce([fixture, ...Object.keys(buildEnv)].join('-').toLowerCase(), {
    inputs: [APP, ...packageInputs('astro')],
    async build(outDir) {
      link(APP, 'astro');
      link(APP, '@astrojs/node');
      const astro = join(APP, 'node_modules/astro/astro.js');
      await runNode(APP, [astro, 'build'], {
        ...buildEnv,
        ASTRO_OUT_DIR: outDir,
        ASTRO_TELEMETRY_DISABLED: '1',
      });
      link(outDir, 'astro');
    },
  });
}

/** The major of the astro package Node resolves from `dir`, as the server does. */
function astroMajor(dir: string): number {
  for (let at = dir; at !== dirname(at); at = dirname(at)) {
    const pkg = join(at, 'node_modules/astro/package.json');
    if (existsSync(pkg)) return Number(JSON.parse(readFileSync(pkg, 'utf8')).version.split('.')[0]);
  }
  throw new Error(`no astro package above ${dir}`);
}

export interface AstroApp {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The major version of the astro package the server runs. */
  astroMajor: number;
  process: NodeProcess;
  stop(): Promise<void>;
}

/**
 * The built app as @astrojs/node's standalone server runs in production: `node
 * dist/server/entry.mjs`, HOST and PORT from the environment, `env` added (`targetEnv`).
 * `ESPER_ASTRO_BUILD` names a build of the fixture made elsewhere, used as it is.
 */
export async function startAstroApp(
  env: Record<string, string>,
  fixture = 'astro-app',
  probe = '/css/site.css',
  buildEnv: Record<string, string> = {},
): Promise<AstroApp> {
  // Another build of this fixture instead (the directory holding server/ and client/), for
  // another Astro major: e.g. Astro 6 on Node 24 (scripts/node24.sh), which Node 20 cannot run.
  const given = fixture === 'astro-app' ? process.env.ESPER_ASTRO_BUILD : undefined;
  const dir = given ?? (await buildAstroApp(fixture, buildEnv));
  // A public/ file: the server answers, and Astro has not loaded the middleware yet (it does
  // on the first on-demand request).
  const app = await startOnFreePort(
    { cwd: dir, args: ['server/entry.mjs'], env },
    'astro server',
    probe,
  );
  return { ...app, astroMajor: astroMajor(dir) };
}

/**
 * Astro 5 on @astrojs/node 9 (standalone), no proxy in front: the client IP is the socket
 * peer, so every request comes from 127.0.0.1 whatever `platformIp` says, and client-sent
 * forwarding headers reach the app unchanged (Astro's `clientAddress` would take their first).
 */
export const astroTarget = serverTarget({
  name: 'astro',
  async start(options) {
    const app = await startAstroApp(targetEnv(options));
    // Steady state: the first on-demand request loads the middleware, after Node announced it,
    // so its socket peer is not seen (test/conformance/astro.test.ts, "the first request").
    await fetch(`${app.origin}/__warmup`);
    return app;
  },
});
