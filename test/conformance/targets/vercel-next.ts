import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Target, type TargetRequest, toTargetResponse } from '../target.js';

const VERCEL_PKG = fileURLToPath(new URL('../../../packages/vercel/', import.meta.url));
const NEXT_BIN = `${VERCEL_PKG}node_modules/next/dist/bin/next`;
// CI=1: Next must not try to install anything into the fixture.
const NEXT_ENV = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', CI: '1' };

const builds = new Map<string, Promise<void>>();

/** `next build` once per process; the app resolves next and react like a user's project. */
function build(APP_DIR: string): Promise<void> {
  let built = builds.get(APP_DIR);
  built ??= (async () => {
    mkdirSync(`${APP_DIR}node_modules`, { recursive: true });
    for (const name of ['next', 'react', 'react-dom']) {
      const link = `${APP_DIR}node_modules/${name}`;
      if (!existsSync(link)) symlinkSync(`${VERCEL_PKG}node_modules/${name}`, link, 'dir');
    }
    await promisify(execFile)(process.execPath, [NEXT_BIN, 'build', APP_DIR], {
      env: NEXT_ENV,
      maxBuffer: 16 * 1024 * 1024,
    });
  })();
  builds.set(APP_DIR, built);
  return built;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real Next 16 app (`next start`) in `fixtures/<fixture>`: `vercel-next` has a root `proxy.ts`
 * (Node.js runtime), `vercel-next-edge` a root `middleware.ts` (Edge runtime).
 */
export const nextTarget = (name: string, fixture: string): Target => ({
  name,
  async start(options) {
    const APP_DIR = fileURLToPath(new URL(`../fixtures/${fixture}/`, import.meta.url));
    await build(APP_DIR);
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [NEXT_BIN, 'start', APP_DIR, '--hostname', '127.0.0.1', '--port', String(port)],
      {
        env: {
          ...NEXT_ENV,
          ESPER_API_BASE: options.runtimeUrl,
          ESPER_API_KEY: options.apiKey,
          ESPER_API_SECRET: options.secret,
          ESPER_MODE: options.mode,
          ESPER_TIMEOUT_MS: String(options.timeoutMs),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const collect = (d: Buffer) => {
      output += d;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const origin = `http://127.0.0.1:${port}`;
    let seq = 0;

    // Plays Vercel's proxy in front of `next start`: it overwrites these headers.
    const send = async (req: TargetRequest) => {
      const headers = new Headers(req.headers);
      for (const name of ['x-real-ip', 'x-vercel-forwarded-for', 'x-forwarded-for']) {
        headers.set(name, req.platformIp);
      }
      headers.set('x-vercel-id', `fra1::next-${port}-${seq++}`);
      const res = await fetch(origin + req.path, {
        method: req.method ?? 'GET',
        headers,
        body: req.body,
        redirect: 'manual',
      });
      return toTargetResponse(res);
    };

    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`);
      try {
        // Also the first request, which loads the proxy and warms fetch (see targets/vercel.ts).
        await send({ path: '/__warmup', platformIp: '192.0.2.1' });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`next start did not answer: ${err}\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return {
      request: send,
      expectedClientIp: (platformIp) => platformIp,
      async close() {
        child.kill('SIGTERM');
        await exited;
      },
    };
  },
});
