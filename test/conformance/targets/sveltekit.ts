import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce, packageInputs } from '../../helpers/build-once.mjs';
import { runNode, startNodeProcess } from '../../helpers/node-process.mjs';
import { appendingProxy, listeningOrigin, serverTarget } from '../../helpers/server-target.js';
import { type Target, targetEnv } from '../target.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/sveltekit-app/', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../../packages/sveltekit/', import.meta.url));
/** What the fixture imports besides its own files (APP_CONTRACT, the hybrid column's decider). */
const SHARED = ['../target.ts', '../fixtures/hybrid.ts'].map((f) =>
  fileURLToPath(new URL(f, import.meta.url)),
);
/** The app resolves these like a user's project, from the package's dev dependencies. */
const LINKED = [
  '@sveltejs/kit',
  '@sveltejs/adapter-node',
  '@sveltejs/vite-plugin-svelte',
  'svelte',
  'vite',
];

function linkDependencies() {
  const link = (name: string, to: string) => {
    const path = join(FIXTURE, 'node_modules', name);
    if (existsSync(path)) return;
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(to, path, 'dir');
  };
  for (const name of LINKED) link(name, join(PACKAGE, 'node_modules', name));
  link('@esper/sveltekit', PACKAGE);
}

/**
 * A copy of the fixture built elsewhere, used instead of this build: its directory, holding
 * `build/` and `.svelte-kit/` (how SvelteKit 3 was run, under Node 24: see the package README).
 */
const PREBUILT = process.env.SVELTEKIT_FIXTURE_DIR;

/** SvelteKit's own server output of the fixture (`Server`, `manifest`), after the build. */
export const SERVER_OUTPUT = join(PREBUILT ?? FIXTURE, '.svelte-kit/output/server/');

/**
 * `vite build` of the fixture with adapter-node, once for every suite and process (build-once):
 * the directory holding `build/` (adapter-node's output: `node build/index.js`).
 */
export function buildSvelteKitApp(): Promise<string> {
  if (PREBUILT) return Promise.resolve(PREBUILT);
  // build-once fingerprints directories: the two shared files go into the name instead.
  const shared = createHash('sha256');
  for (const file of SHARED) shared.update(readFileSync(file));
  return buildOnce(`sveltekit-app-${shared.digest('hex').slice(0, 8)}`, {
    inputs: [FIXTURE, ...packageInputs('sveltekit')],
    async build(outDir) {
      linkDependencies();
      const vite = join(PACKAGE, 'node_modules/vite/bin/vite.js');
      await runNode(FIXTURE, [vite, 'build'], { SVELTEKIT_OUT: join(outDir, 'build') });
    },
  });
}

export interface SvelteKitServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `node build/index.js`, as adapter-node's README runs it, on a free port of 127.0.0.1 (PORT=0:
 * it prints the port it got), with `env` added (ESPER_*, adapter-node's ADDRESS_HEADER, …).
 */
export async function startSvelteKitApp(env: Record<string, string>): Promise<SvelteKitServer> {
  const dir = await buildSvelteKitApp();
  const app = startNodeProcess({
    cwd: dir,
    args: [join(dir, 'build/index.js')],
    env: { ...env, HOST: '127.0.0.1', PORT: '0' },
  });
  const listening = /Listening on http:\/\/127\.0\.0\.1:(\d+)/;
  const origin = await listeningOrigin(app, 'node build/index.js', listening);
  return { origin, output: app.output, stop: app.stop };
}

/**
 * The fixture on adapter-node behind one proxy, as deployed: the proxy appends the address it
 * saw to `x-forwarded-for` and adapter-node is told so (`ADDRESS_HEADER=x-forwarded-for`,
 * `XFF_DEPTH=1`), so `getClientAddress()` is the proxy's entry whatever the client sent.
 * `direct`: no proxy, no ADDRESS_HEADER: the address is the socket peer (127.0.0.1).
 */
export function svelteKitTarget(mode: 'proxied' | 'direct' = 'proxied'): Target {
  const proxied = mode === 'proxied';
  return serverTarget({
    name: proxied ? 'sveltekit' : 'sveltekit-direct',
    ...(proxied && { platform: appendingProxy() }),
    start(options) {
      const env = targetEnv(options);
      return startSvelteKitApp(
        proxied ? { ...env, ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' } : env,
      );
    },
  });
}
