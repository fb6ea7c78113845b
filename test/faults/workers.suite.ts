import type { Target } from '../conformance/target.js';
import { bundleWorker, startWorkerd } from '../conformance/targets/cloudflare-workerd.js';
import { OUT_OF_PROCESS_SLACK_MS, runFaultMatrix } from './matrix.js';
import { consoleWatcher } from './watch.js';

// The cloudflare and hono-workers targets (same fixtures, same workerd start-up), with the
// worker reporting unhandled rejections on stdout, which Miniflare pipes to console.log here.
const watched = (name: string, entry: string): Target => ({
  name,
  start: async (options) => startWorkerd(await bundleWorker(entry), options),
});

// Reported bug (see SECURITY.md, "How it fails"): core's fetch transport reads the answer with a
// stream reader, and workerd reports an error of such a stream (the runtime resetting the
// connection mid-body) as "Uncaught (in promise) Error: Network connection lost." although
// the SDK catches it; `res.text()` does not. The decision itself is right (200 / 403).
const known = {
  reset: 'workerd: "Uncaught (in promise) Network connection lost" from the stream reader',
};

const watcher = consoleWatcher();
for (const target of [
  watched('cloudflare', '../../faults/workerd/cloudflare.ts'),
  watched('hono-workers', '../../faults/workerd/hono.ts'),
])
  runFaultMatrix(target, { slackMs: OUT_OF_PROCESS_SLACK_MS, watcher, known });
