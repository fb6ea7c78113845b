// examples/nextjs as it ships: `next build`, then `next start` on 127.0.0.1 (proxy.ts on the
// Node.js runtime). The demo plays Vercel's edge in front of it.
import { fileURLToPath } from 'node:url';
import { buildNextApp, startNextApp } from '../../../test/helpers/next-app.mjs';
import { forward } from './forward.mjs';

const APP = {
  appDir: fileURLToPath(new URL('../../../examples/nextjs/', import.meta.url)),
  nextBin: fileURLToPath(
    new URL('../../../examples/nextjs/node_modules/next/dist/bin/next', import.meta.url),
  ),
};

export default {
  name: 'nextjs',
  platform: 'Next.js 16, next start, proxy.ts (Vercel headers)',
  sdk: '@esper/vercel',
  played: 'Vercel edge: x-real-ip, x-vercel-forwarded-for, x-forwarded-for := client address',
  async start({ env, step, built = false }) {
    if (!built) await step('nextjs      build: next build', () => buildNextApp(APP));
    const next = await step('nextjs      start: next start', () =>
      startNextApp({
        ...APP,
        env,
        // /favicon.ico is outside proxy.ts's matcher, so waiting on it asks the runtime nothing.
        ready: async (origin) => (await fetch(`${origin}/favicon.ico`)).arrayBuffer(),
      }),
    );
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
        return forward(next.origin, req, headers);
      },
      stop: next.stop,
    };
  },
};
