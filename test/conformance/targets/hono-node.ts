import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { serverTarget, startPortServer, writeServerFile } from '../../helpers/server-target.js';
import { targetEnv } from '../target.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function bundleServer(hybrid: boolean): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../fixtures/hono-app/node-server.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Workspace packages from their sources: no test needs a build.
    conditions: ['@esper/source', 'module'],
    nodePaths: [`${ROOT}node_modules/.pnpm/node_modules`],
    define: { 'process.env.CONFORMANCE_HYBRID': JSON.stringify(hybrid ? '1' : '') },
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/**
 * The Hono app on @hono/node-server, in its own Node process with node-server's defaults.
 * No proxy in front: the client IP is the socket peer, so every request comes from 127.0.0.1
 * whatever `platformIp` says, and client-sent forwarding headers reach the app unchanged.
 */
export const honoNodeTarget = serverTarget({
  name: 'hono-node',
  async start(options) {
    const code = await bundleServer(options.hybrid !== undefined);
    const { file, remove } = await writeServerFile('esper-hono-node-', code);
    return startPortServer(
      'hono-node server',
      { args: [file], env: { PATH: process.env.PATH, ...targetEnv(options) } },
      remove,
    );
  },
});
