import type { FastifyName } from '../../packages/fastify/test/server.js';
import { listen } from '../../packages/fastify/test/server.js';
import {
  conformanceFastify,
  fastify4Target,
  fastify5Target,
} from '../conformance/targets/fastify.js';
import { faultOptions, rawBadRequests } from '../helpers/fault-suites.js';
import { runFaultMatrix } from './matrix.js';
import { processWatcher } from './watch.js';

/**
 * The conformance app on a real Fastify server, reached on a raw socket so the client's own
 * Host arrives (fetch would overwrite it). For the X-Forwarded-Proto case the instance trusts
 * its loopback peer (`trustProxy`), so Fastify itself would read the client's header.
 */
const badRequests = (name: FastifyName) =>
  rawBadRequests(async (runtimeUrl, badCase) => {
    const app = await conformanceFastify(
      name,
      faultOptions(runtimeUrl),
      badCase.includes('Proto') ? { trustProxy: '127.0.0.1' } : {},
    );
    const server = await listen(app);
    return { origin: server.url, stop: () => server.close() };
  });

// Real servers in this process; the measured time adds one loopback HTTP round trip.
const watcher = processWatcher();
runFaultMatrix(fastify4Target, { slackMs: 50, watcher, badRequests: badRequests('fastify4') });
runFaultMatrix(fastify5Target, { slackMs: 50, watcher, badRequests: badRequests('fastify5') });
