import { vercelTarget } from '../conformance/targets/vercel.js';
import { runFaultMatrix } from './matrix.js';
import { processWatcher } from './watch.js';

// In-process: the measured time is the middleware's own call.
runFaultMatrix(vercelTarget('vercel-node'), { slackMs: 50, watcher: processWatcher() });
