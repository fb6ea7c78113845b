import { contractController, type Platform, startNest } from '../../packages/nestjs/test/app.js';
import { nestExpressTarget, nestFastifyTarget, TRUST } from '../conformance/targets/nestjs.js';
import { faultOptions, rawBadRequests } from '../helpers/fault-suites.js';
import { runFaultMatrix } from './matrix.js';
import { processWatcher } from './watch.js';

/**
 * The conformance app on a real Nest server, reached on a raw socket so the client's own Host
 * arrives (fetch would overwrite it). For the X-Forwarded-Proto case the platform trusts its
 * loopback peer, so Express / Fastify themselves would read the client's header.
 */
const badRequests = (platform: Platform) =>
  rawBadRequests(async (runtimeUrl, badCase) => {
    const trusted = badCase.includes('Proto');
    const server = await startNest({
      platform,
      esper: faultOptions(runtimeUrl),
      controllers: [contractController(platform)],
      ...(trusted && { express: TRUST.express, fastify: TRUST.fastify }),
    });
    return { origin: server.url, stop: () => server.close() };
  });

// Real servers in this process; the measured time adds one loopback HTTP round trip.
const watcher = processWatcher();
runFaultMatrix(nestExpressTarget, { slackMs: 50, watcher, badRequests: badRequests('express') });
runFaultMatrix(nestFastifyTarget, { slackMs: 50, watcher, badRequests: badRequests('fastify') });
