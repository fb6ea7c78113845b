import { vi } from 'vitest';
import { TEST_KEY } from '../conformance/runtime.js';
import { targetEnv } from '../conformance/target.js';
import { astroTarget, startAstroApp } from '../conformance/targets/astro.js';
import { rawRequest } from '../helpers/raw-http.js';
import {
  type BadRequestHarness,
  OUT_OF_PROCESS_SLACK_MS,
  runFaultMatrix,
  TIMEOUT_MS,
} from './matrix.js';
import { childWatcher } from './watch.js';

// The built app runs as a child process (`node dist/server/entry.mjs`): its output is read.
vi.mock('node:child_process', async (importOriginal) => {
  const mod = await importOriginal<typeof import('node:child_process')>();
  const { teeSpawn } = await import('./watch.js');
  return { ...mod, spawn: teeSpawn(mod.spawn) };
});

/**
 * The same built app, reached on a raw socket so the client's own Host and X-Forwarded-Proto
 * arrive: @astrojs/node builds the Request URL from them (validated against
 * `security.allowedDomains`, empty here, so both are ignored).
 */
const badRequests: BadRequestHarness = {
  async start(runtimeUrl) {
    const app = await startAstroApp(
      targetEnv({
        runtimeUrl,
        apiKey: TEST_KEY.apiKey,
        secret: TEST_KEY.secret,
        mode: 'live',
        timeoutMs: TIMEOUT_MS,
      }),
    );
    return {
      send: (path, headers) => rawRequest(app.origin, { target: path, headers }),
      close: app.stop,
    };
  },
};

runFaultMatrix(astroTarget, {
  slackMs: OUT_OF_PROCESS_SLACK_MS,
  watcher: childWatcher(),
  badRequests,
});
