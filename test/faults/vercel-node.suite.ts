import { withEsper } from '@esper/vercel';
import { conformanceApp } from '../conformance/target.js';
import { afterMiddleware, vercelTarget } from '../conformance/targets/vercel.js';
import { faultOptions } from '../helpers/fault-suites.js';
import { type BadRequestHarness, runFaultMatrix } from './matrix.js';
import { processWatcher } from './watch.js';

/**
 * Vercel hands the middleware a Request whose URL it built itself; a client's Host and
 * X-Forwarded-Proto only arrive as headers of it. They must change nothing.
 */
const badRequests: BadRequestHarness = {
  async start(runtimeUrl) {
    const middleware = withEsper(faultOptions(runtimeUrl));
    const background: Promise<unknown>[] = [];
    return {
      async send(path, headers) {
        const request = new Request(`https://esper-faults.vercel.app${path}`, { headers });
        const context = { waitUntil: (p: Promise<unknown>) => void background.push(p) };
        const res = await afterMiddleware(
          request,
          await middleware(request, context),
          conformanceApp,
        );
        return { status: res.status, body: await res.text() };
      },
      async close() {
        await Promise.allSettled(background);
      },
    };
  },
};

// In-process: the measured time is the middleware's own call.
runFaultMatrix(vercelTarget('vercel-node'), {
  slackMs: 50,
  watcher: processWatcher(),
  badRequests,
});
