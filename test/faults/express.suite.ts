import { express4Target, express5Target } from '../conformance/targets/express.js';
import { runFaultMatrix } from './matrix.js';
import { processWatcher } from './watch.js';

// Real servers in this process; the measured time adds one loopback HTTP round trip.
const watcher = processWatcher();
for (const target of [express4Target, express5Target])
  runFaultMatrix(target, { slackMs: 50, watcher });
