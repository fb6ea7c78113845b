// The cloudflare target's worker, plus a report of unhandled rejections: workerd drops them
// silently (even with Miniflare's `verbose`), so the worker prints them for consoleWatcher.
import worker from '../../conformance/fixtures/cloudflare/worker.js';

addEventListener('unhandledrejection', (e) => console.log(`Uncaught (in promise) ${e.reason}`));
export default worker;
