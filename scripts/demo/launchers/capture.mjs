// An application without the SDK (scripts/demo/plain-app.mjs) behind `esper capture run
// --enforce`, the capturing reverse proxy of @esper/runtime, deciding every request locally with
// the policies it syncs from origin. The demo plays a load balancer in front of the proxy: it
// appends the client's address to X-Forwarded-For, and the proxy trusts it (--trusted-proxies).
// Static assets are served straight from the application, as a CDN would: the latency baseline.
import { fileURLToPath } from 'node:url';
import { startListeningExample } from '../../../test/helpers/node-process.mjs';
import { startEsper } from '../hybrid.mjs';
import { appendHop } from '../reply.mjs';
import { forward } from './forward.mjs';

const DIR = fileURLToPath(new URL('../', import.meta.url));

export default {
  name: 'capture',
  platform: 'Node app without the SDK, behind esper capture run --enforce',
  sdk: 'esper capture (no SDK in the app)',
  played:
    'load balancer: client address appended to X-Forwarded-For (--trusted-proxies 127.0.0.1); static assets straight from the app',
  /** @param {{ env: Record<string, string>, step: typeof import('../log.mjs').step, originUrl: string }} ctx */
  async start({ env, step, originUrl }) {
    const app = await step('capture     start: plain app (no SDK)', () =>
      startListeningExample({ cwd: DIR, args: ['plain-app.mjs'], env: {} }),
    );
    const args = ['capture', 'run', '--enforce', '--upstream', app.origin];
    args.push('--listen', '127.0.0.1:0', '--api-base', originUrl);
    args.push('--trusted-proxies', '127.0.0.1', '--report-interval', '0');
    const capture = await step('capture     start: esper capture run --enforce', () =>
      startEsper(args, env, /listening on (http:\/\/\S+),/).catch(async (err) => {
        await app.stop();
        throw err;
      }),
    );
    const proxy = capture.match[1];
    return {
      async send(req) {
        const headers = { ...req.headers, 'x-forwarded-for': appendHop(req.spoof, req.ip) };
        if (req.role === 'static') return forward(app.origin, req, req.headers);
        return forward(proxy, req, headers);
      },
      /** What the proxy printed (its summary line comes at exit). */
      output: () => capture.output(),
      async stop() {
        await capture.stop();
        await app.stop();
      },
    };
  },
};
