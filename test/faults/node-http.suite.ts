import { createServer } from 'node:http';
import { createEsperNode } from '@esper/node';
import { listen } from '../../packages/node/test/server.js';
import { koaTarget, nodeHttpTarget, polkaTarget } from '../conformance/targets/node-http.js';
import { faultOptions, rawBadRequests } from '../helpers/fault-suites.js';
import { runFaultMatrix } from './matrix.js';
import { processWatcher } from './watch.js';

/**
 * The contract app on a plain node:http server, reached on a raw socket so the client's own
 * Host arrives (fetch would overwrite it). For the X-Forwarded-Proto case the client's peer,
 * 127.0.0.1, is a trusted proxy, so the adapter reads the header it sent.
 */
const badRequests = rawBadRequests(async (runtimeUrl, badCase) => {
  const esper = createEsperNode({
    ...faultOptions(runtimeUrl),
    ...(badCase.includes('Proto') && { clientIp: { trustedProxies: ['127.0.0.1'] } }),
  });
  const server = await listen(
    createServer(
      esper.handler((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            path: new URL(req.url ?? '/', 'http://localhost').pathname,
            decision: req.headers['x-esper-decision'] ?? null,
            decisionId: req.headers['x-esper-decision-id'] ?? null,
            mode: req.headers['x-esper-mode'] ?? null,
          }),
        );
      }),
    ),
  );
  return {
    origin: server.url,
    async stop() {
      await server.close();
      await esper.close();
    },
  };
});

// Real servers in this process; the measured time adds one loopback HTTP round trip.
const watcher = processWatcher();
for (const target of [nodeHttpTarget, koaTarget, polkaTarget]) {
  runFaultMatrix(target, { slackMs: 50, watcher, badRequests });
}
