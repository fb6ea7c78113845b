// examples/nextjs as it ships: `next build`, then `next start` on 127.0.0.1 (proxy.ts on the
// Node.js runtime). The demo plays Vercel's edge in front of it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { fromResponse } from '../reply.mjs';
import { run } from './node-server.mjs';

const DIR = fileURLToPath(new URL('../../../examples/nextjs/', import.meta.url));
const NEXT_BIN = 'node_modules/next/dist/bin/next';
// CI=1: Next must not prompt or try to install anything.
const NEXT_ENV = { NEXT_TELEMETRY_DISABLED: '1', CI: '1' };

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export default {
  name: 'nextjs',
  platform: 'Next.js 16, next start, proxy.ts (Vercel headers)',
  sdk: '@esper/vercel',
  played: 'Vercel edge: x-real-ip, x-vercel-forwarded-for, x-forwarded-for := client address',
  async start({ env, step }) {
    await step('nextjs      build: next build', () => run(DIR, [NEXT_BIN, 'build'], NEXT_ENV));
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const child = spawn(
      process.execPath,
      [NEXT_BIN, 'start', '--hostname', '127.0.0.1', '--port', `${port}`],
      { cwd: DIR, env: { ...process.env, ...NEXT_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const late = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(late);
    };
    await step('nextjs      start: next start', async () => {
      // /favicon.ico is outside proxy.ts's matcher, so waiting on it asks the runtime nothing.
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`);
        try {
          await (await fetch(`${origin}/favicon.ico`)).arrayBuffer();
          return;
        } catch (err) {
          if (Date.now() > deadline) {
            await stop();
            throw new Error(`next start did not answer: ${err}\n${output}`);
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    });
    return {
      /**
       * Vercel's edge overwrites x-real-ip, x-vercel-forwarded-for and x-forwarded-for with
       * the address it saw, so a client's own X-Forwarded-For never reaches the app.
       */
      async send(req) {
        const headers = { ...req.headers };
        for (const name of ['x-real-ip', 'x-vercel-forwarded-for', 'x-forwarded-for']) {
          headers[name] = req.ip;
        }
        const res = await fetch(origin + req.path, {
          method: req.method,
          headers,
          body: req.body,
          redirect: 'manual',
        });
        return fromResponse(res);
      },
      stop,
    };
  },
};
