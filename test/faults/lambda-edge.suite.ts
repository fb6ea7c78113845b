import type { Target } from '../conformance/target.js';
import { lambdaEdgeOrigin, lambdaEdgeViewer } from '../conformance/targets/lambda-edge.js';
import { withHeaders } from '../helpers/fault-suites.js';
import { runFaultMatrix } from './matrix.js';
import { processWatcher } from './watch.js';

/**
 * The viewer-request target, every request carrying a Host the URL parser refuses to build a
 * Request from: each fault must still end in the fallback, and the next request in a real
 * decision, not in a request passed on undecided.
 */
const withHost = (target: Target, host: string) =>
  withHeaders(target, `Host ${host}`, [['host', host]]);

// In-process: the measured time is the handler's invocation plus the stand-in CloudFront's hop
// to its origin on 127.0.0.1.
const watcher = processWatcher();
for (const target of [
  lambdaEdgeViewer,
  lambdaEdgeOrigin,
  withHost(lambdaEdgeViewer, '1.2.3.999'),
  withHost(lambdaEdgeViewer, 'api.example:99999'),
])
  runFaultMatrix(target, { slackMs: 50, watcher });
