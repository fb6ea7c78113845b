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

const watcher = consoleWatcher();
for (const target of [
  watched('cloudflare', '../../faults/workerd/cloudflare.ts'),
  watched('hono-workers', '../../faults/workerd/hono.ts'),
])
  runFaultMatrix(target, { slackMs: OUT_OF_PROCESS_SLACK_MS, watcher });
