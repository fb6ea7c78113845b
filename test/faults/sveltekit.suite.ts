import { vi } from 'vitest';
import { TEST_KEY } from '../conformance/runtime.js';
import { startSvelteKitApp, svelteKitTarget } from '../conformance/targets/sveltekit.js';
import { rawRequest } from '../helpers/raw-http.js';
import {
  type BadRequestHarness,
  OUT_OF_PROCESS_SLACK_MS,
  runFaultMatrix,
  TIMEOUT_MS,
} from './matrix.js';
import { childWatcher } from './watch.js';

// The server is a child process: its output is read by the watcher (see teeSpawn).
vi.mock('node:child_process', async (importOriginal) => {
  const mod = await importOriginal<typeof import('node:child_process')>();
  const { teeSpawn } = await import('./watch.js');
  return { ...mod, spawn: teeSpawn(mod.spawn) };
});

/**
 * The built fixture once more, reached on a raw socket so the client's own Host arrives:
 * adapter-node builds the Request URL from it (no ORIGIN set), and from X-Forwarded-Proto
 * when told to trust it (PROTOCOL_HEADER).
 */
const badRequests: BadRequestHarness = {
  async start(runtimeUrl, badCase) {
    const app = await startSvelteKitApp({
      ESPER_API_KEY: TEST_KEY.apiKey,
      ESPER_API_SECRET: TEST_KEY.secret,
      ESPER_API_BASE: runtimeUrl,
      ESPER_TIMEOUT_MS: String(TIMEOUT_MS),
      ...(badCase.includes('X-Forwarded-Proto') && { PROTOCOL_HEADER: 'x-forwarded-proto' }),
    });
    return {
      send: (path, headers) => rawRequest(app.origin, { target: path, headers }),
      close: app.stop,
    };
  },
};

runFaultMatrix(svelteKitTarget(), {
  slackMs: OUT_OF_PROCESS_SLACK_MS,
  watcher: childWatcher(),
  badRequests,
});
