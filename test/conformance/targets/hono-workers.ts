import type { Target } from '../target.js';
import { bundleWorker, startWorkerd } from './cloudflare-workerd.js';

/** The Hono app with `esper()`, bundled for and run in workerd. */
export const honoWorkersTarget: Target = {
  name: 'hono-workers',
  async start(options) {
    return startWorkerd(
      await bundleWorker('../fixtures/hono-app/app.ts', options.hybrid !== undefined),
      options,
    );
  },
};
