import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce, packageInputs } from '../../helpers/build-once.mjs';
import { runNode } from '../../helpers/node-process.mjs';
import { type RunningServer, serverTarget, startPortServer } from '../../helpers/server-target.js';
import { targetEnv } from '../target.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = join(ROOT, 'test/conformance/fixtures/react-router-app');
const PKG = join(ROOT, 'packages/react-router');
/** What the app imports, as a user's project has them: the package's own dev dependencies. */
const DEPENDENCIES = [
  'react-router',
  '@react-router/dev',
  '@react-router/express',
  '@react-router/node',
  'express',
  'isbot',
  'react',
  'react-dom',
  'vite',
];

function link(from: string, to: string): void {
  if (existsSync(from)) return;
  mkdirSync(join(from, '..'), { recursive: true });
  symlinkSync(to, from, 'dir');
}

/**
 * `react-router build` of the fixture, once for every suite (build-once.mjs). The build sits in
 * test/.output/builds with a `node_modules` link to the fixture's, so its server bundle (which
 * leaves react-router, @react-router/express and express to Node) resolves them as a project does.
 */
export function buildReactRouterApp(fixture = FIXTURE): Promise<string> {
  const modules = join(fixture, 'node_modules');
  for (const name of DEPENDENCIES) link(join(modules, name), join(PKG, 'node_modules', name));
  link(join(modules, '@esper/react-router'), PKG);
  return buildOnce(`react-router-${fixture === FIXTURE ? 'app' : 'example'}`, {
    inputs: [fixture, ...packageInputs('react-router')],
    async build(outDir) {
      const cli = join(PKG, 'node_modules/@react-router/dev/bin.js');
      await runNode(fixture, [cli, 'build'], { REACT_ROUTER_BUILD_DIR: outDir });
      symlinkSync(modules, join(outDir, 'node_modules'), 'dir');
    },
  });
}

/** The built app on its Express server (server.mjs), its own Node process, `env` its settings. */
export async function startReactRouterApp(env: Record<string, string>): Promise<RunningServer> {
  const build = await buildReactRouterApp();
  return startPortServer('react-router server', {
    args: [join(FIXTURE, 'server.mjs'), build],
    cwd: FIXTURE,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
  });
}

/**
 * React Router 7 framework mode: a real `react-router build`, served by @react-router/express
 * (`getLoadContext` hands the socket peer to the root route's `esperMiddleware()`). No proxy in
 * front: the client IP is the socket peer, 127.0.0.1 whatever `platformIp` says, and
 * client-sent forwarding headers reach the app unchanged.
 */
export const reactRouterTarget = serverTarget({
  name: 'react-router',
  start: (options) => startReactRouterApp(targetEnv(options)),
});
