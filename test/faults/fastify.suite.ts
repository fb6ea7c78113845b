import type { FastifyName } from '../../packages/fastify/test/server.js';
import { listen } from '../../packages/fastify/test/server.js';
import { TEST_KEY } from '../conformance/runtime.js';
import { APP_CONTRACT } from '../conformance/target.js';
import {
  conformanceFastify,
  fastify4Target,
  fastify5Target,
} from '../conformance/targets/fastify.js';
import { rawRequest } from '../helpers/raw-http.js';
import { type BadRequestHarness, runFaultMatrix, TIMEOUT_MS } from './matrix.js';
import { processWatcher } from './watch.js';

/**
 * The conformance app on a real Fastify server, reached on a raw socket so the client's own
 * Host arrives (fetch would overwrite it). For the X-Forwarded-Proto case the instance trusts
 * its loopback peer (`trustProxy`), so Fastify itself would read the client's header.
 */
function badRequests(name: FastifyName): BadRequestHarness {
  return {
    async start(runtimeUrl, badCase) {
      const app = await conformanceFastify(
        name,
        {
          apiKey: TEST_KEY.apiKey,
          secret: TEST_KEY.secret,
          apiBase: runtimeUrl,
          timeoutMs: TIMEOUT_MS,
          env: {},
          failClosedRoutes: [...APP_CONTRACT.failClosedRoutes],
        },
        badCase.includes('Proto') ? { trustProxy: '127.0.0.1' } : {},
      );
      const server = await listen(app);
      return {
        send: (path, headers) => rawRequest(server.url, { target: path, headers }),
        close: () => server.close(),
      };
    },
  };
}

// Real servers in this process; the measured time adds one loopback HTTP round trip.
const watcher = processWatcher();
runFaultMatrix(fastify4Target, { slackMs: 50, watcher, badRequests: badRequests('fastify4') });
runFaultMatrix(fastify5Target, { slackMs: 50, watcher, badRequests: badRequests('fastify5') });
