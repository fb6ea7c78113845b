import { contractController, type Platform, startNest } from '../../packages/nestjs/test/app.js';
import { TEST_KEY } from '../conformance/runtime.js';
import { APP_CONTRACT } from '../conformance/target.js';
import { nestExpressTarget, nestFastifyTarget, TRUST } from '../conformance/targets/nestjs.js';
import { rawRequest } from '../helpers/raw-http.js';
import { type BadRequestHarness, runFaultMatrix, TIMEOUT_MS } from './matrix.js';
import { processWatcher } from './watch.js';

/**
 * The conformance app on a real Nest server, reached on a raw socket so the client's own Host
 * arrives (fetch would overwrite it). For the X-Forwarded-Proto case the platform trusts its
 * loopback peer, so Express / Fastify themselves would read the client's header.
 */
function badRequests(platform: Platform): BadRequestHarness {
  return {
    async start(runtimeUrl, badCase) {
      const trusted = badCase.includes('Proto');
      const server = await startNest({
        platform,
        esper: {
          apiKey: TEST_KEY.apiKey,
          secret: TEST_KEY.secret,
          apiBase: runtimeUrl,
          timeoutMs: TIMEOUT_MS,
          env: {},
          failClosedRoutes: [...APP_CONTRACT.failClosedRoutes],
        },
        controllers: [contractController(platform)],
        ...(trusted && { express: TRUST.express, fastify: TRUST.fastify }),
      });
      return {
        send: (path, headers) => rawRequest(server.url, { target: path, headers }),
        close: () => server.close(),
      };
    },
  };
}

// Real servers in this process; the measured time adds one loopback HTTP round trip.
const watcher = processWatcher();
runFaultMatrix(nestExpressTarget, { slackMs: 50, watcher, badRequests: badRequests('express') });
runFaultMatrix(nestFastifyTarget, { slackMs: 50, watcher, badRequests: badRequests('fastify') });
