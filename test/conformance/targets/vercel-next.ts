import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildNextApp, startNextApp } from '../../helpers/next-app.mjs';
import { forward } from '../../helpers/server-target.js';
import { type Target, type TargetRequest, targetEnv } from '../target.js';

const VERCEL_PKG = fileURLToPath(new URL('../../../packages/vercel/', import.meta.url));
const NEXT_BIN = `${VERCEL_PKG}node_modules/next/dist/bin/next`;

const builds = new Map<string, Promise<void>>();

/** `next build` once per process; the app resolves next and react like a user's project. */
function build(appDir: string): Promise<void> {
  let built = builds.get(appDir);
  built ??= (async () => {
    mkdirSync(`${appDir}node_modules`, { recursive: true });
    for (const name of ['next', 'react', 'react-dom']) {
      const link = `${appDir}node_modules/${name}`;
      if (!existsSync(link)) symlinkSync(`${VERCEL_PKG}node_modules/${name}`, link, 'dir');
    }
    await buildNextApp({ appDir, nextBin: NEXT_BIN });
  })();
  builds.set(appDir, built);
  return built;
}

/**
 * A real Next 16 app (`next start`) in `fixtures/<fixture>`: `vercel-next` has a root `proxy.ts`
 * (Node.js runtime), `vercel-next-edge` a root `middleware.ts` (Edge runtime).
 */
export const nextTarget = (name: string, fixture: string): Target => ({
  name,
  async start(options) {
    const appDir = fileURLToPath(new URL(`../fixtures/${fixture}/`, import.meta.url));
    await build(appDir);
    let seq = 0;

    /** Plays Vercel's proxy in front of `next start` at `origin`: it overwrites these headers. */
    const viaVercel = (origin: string) => (req: TargetRequest) =>
      forward(origin, req, (headers, platformIp) => {
        for (const name of ['x-real-ip', 'x-vercel-forwarded-for', 'x-forwarded-for']) {
          headers.set(name, platformIp);
        }
        headers.set('x-vercel-id', `fra1::next-${new URL(origin).port}-${seq++}`);
      });

    const next = await startNextApp({
      appDir,
      nextBin: NEXT_BIN,
      env: targetEnv(options),
      // Also the first request, which loads the proxy and warms fetch (see targets/vercel.ts).
      ready: (origin) => viaVercel(origin)({ path: '/__warmup', platformIp: '192.0.2.1' }),
    });
    return {
      request: viaVercel(next.origin),
      expectedClientIp: (platformIp) => platformIp,
      close: next.stop,
    };
  },
});
