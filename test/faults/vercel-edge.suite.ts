// @vitest-environment edge-runtime
import { vercelTarget } from '../conformance/targets/vercel.js';
import { runFaultMatrix } from './matrix.js';
import { processWatcher } from './watch.js';

// The Edge VM's globals in this process: its promises still report to this process.
runFaultMatrix(vercelTarget('vercel-edge'), { slackMs: 50, watcher: processWatcher() });
