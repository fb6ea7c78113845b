import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Target, targetEnv, toTargetResponse } from '../target.js';

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

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => reject(new Error(`hono-node server exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
}

/**
 * The Hono app on @hono/node-server, in its own Node process with node-server's defaults.
 * No proxy in front: the client IP is the socket peer, so every request comes from 127.0.0.1
 * whatever `platformIp` says, and client-sent forwarding headers reach the app unchanged.
 */
export const honoNodeTarget: Target = {
  name: 'hono-node',
  async start(options) {
    const dir = await mkdtemp(join(tmpdir(), 'esper-hono-node-'));
    const file = join(dir, 'server.mjs');
    await writeFile(file, await bundleServer(options.hybrid !== undefined));
    const child = spawn(process.execPath, [file], {
      env: { PATH: process.env.PATH, ...targetEnv(options) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const base = `http://127.0.0.1:${await waitForPort(child)}`;
    return {
      async request(req) {
        const res = await fetch(base + req.path, {
          method: req.method ?? 'GET',
          headers: req.headers,
          body: req.body,
          redirect: 'manual',
        });
        return toTargetResponse(res);
      },
      expectedClientIp: () => '127.0.0.1',
      async close() {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};
