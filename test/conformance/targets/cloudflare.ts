import type { Target } from '../target.js';
import { bundleWorker, startWorkerd } from './cloudflare-workerd.js';

/** `withEsper` around the contract app, in workerd. */
export const cloudflareTarget: Target = {
  name: 'cloudflare',
  async start(options) {
    return startWorkerd(
      await bundleWorker('../fixtures/cloudflare/worker.ts', options.hybrid !== undefined),
      options,
    );
  },
};
