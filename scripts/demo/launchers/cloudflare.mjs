// examples/cloudflare-worker as wrangler would build and run it: its own scripts/local.mjs
// bundles wrangler.toml's `main` with esbuild and runs it in workerd through miniflare, the
// ESPER_* settings as bindings (the secrets as `wrangler secret put` makes them). The demo
// plays Cloudflare's edge in front of it.
import { startWorker } from '../../../examples/cloudflare-worker/scripts/local.mjs';
import { appendHop } from '../reply.mjs';
import { forward } from './forward.mjs';

export default {
  name: 'cloudflare',
  platform: 'module worker in workerd (miniflare), wrangler.toml',
  sdk: '@esper/cloudflare',
  played: 'Cloudflare edge: cf-connecting-ip := client address, appended to X-Forwarded-For',
  async start({ env, step }) {
    const { mf } = await step('cloudflare  build + start: esbuild → workerd (miniflare)', () =>
      startWorker({ bindings: env }),
    );
    return {
      /**
       * Cloudflare sets cf-connecting-ip to the address it saw and appends that address to any
       * X-Forwarded-For the client sent.
       */
      async send(req) {
        const headers = {
          ...req.headers,
          'cf-connecting-ip': req.ip,
          'x-forwarded-for': appendHop(req.spoof, req.ip),
        };
        return forward('https://esper-example.workers.dev', req, headers, (url, init) =>
          mf.dispatchFetch(url, init),
        );
      },
      stop: () => mf.dispose(),
    };
  },
};
