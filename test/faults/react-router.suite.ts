import { vi } from 'vitest';
import { TEST_KEY } from '../conformance/runtime.js';
import { reactRouterTarget, startReactRouterApp } from '../conformance/targets/react-router.js';
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
 * The same build reached on a raw socket, so the client's own Host and X-Forwarded-Proto
 * arrive: @react-router/express builds the Request URL from them.
 */
const badRequests: BadRequestHarness = {
  async start(runtimeUrl) {
    const app = await startReactRouterApp({
      ESPER_API_KEY: TEST_KEY.apiKey,
      ESPER_API_SECRET: TEST_KEY.secret,
      ESPER_API_BASE: runtimeUrl,
      ESPER_MODE: 'live',
      ESPER_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    return {
      send: (path, headers) => rawRequest(app.origin, { target: path, headers }),
      close: app.close,
    };
  },
};

runFaultMatrix(reactRouterTarget, {
  slackMs: OUT_OF_PROCESS_SLACK_MS,
  watcher: childWatcher(),
  badRequests,
});
