import { esper } from '@esper/express';
import { type FrameworkName, frameworks, listen } from '../../packages/express/test/server.js';
import { express4Target, express5Target } from '../conformance/targets/express.js';
import { faultOptions, rawBadRequests } from '../helpers/fault-suites.js';
import { runFaultMatrix } from './matrix.js';
import { processWatcher } from './watch.js';

/**
 * The conformance app on a real Express server, reached on a raw socket so the client's own
 * Host arrives (fetch would overwrite it). For the X-Forwarded-Proto case `trust proxy` is on,
 * so Express itself reads `req.protocol` from the client's header.
 */
const badRequests = (name: FrameworkName) =>
  rawBadRequests(async (runtimeUrl, badCase) => {
    const express = frameworks[name];
    const mw = esper(faultOptions(runtimeUrl));
    const app = express();
    if (badCase.includes('Proto')) app.set('trust proxy', true);
    app.use(mw);
    app.use((req, res) => {
      res.json({
        path: req.path,
        decision: req.get('x-esper-decision') ?? null,
        decisionId: req.get('x-esper-decision-id') ?? null,
        mode: req.get('x-esper-mode') ?? null,
      });
    });
    const server = await listen(app);
    return {
      origin: server.url,
      async stop() {
        await server.close();
        await mw.close();
      },
    };
  });

// Real servers in this process; the measured time adds one loopback HTTP round trip.
const watcher = processWatcher();
runFaultMatrix(express4Target, { slackMs: 50, watcher, badRequests: badRequests('express4') });
runFaultMatrix(express5Target, { slackMs: 50, watcher, badRequests: badRequests('express5') });
