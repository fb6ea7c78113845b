import { vi } from 'vitest';
import { TEST_KEY } from '../conformance/runtime.js';
import {
  type NitroServer,
  nitroTarget,
  nitroWorkersTarget,
  startNitroApp,
} from '../conformance/targets/nitro.js';
import { nuxtTarget, startNuxtApp } from '../conformance/targets/nuxt.js';
import { rawRequest } from '../helpers/raw-http.js';
import {
  type BadRequestHarness,
  OUT_OF_PROCESS_SLACK_MS,
  runFaultMatrix,
  TIMEOUT_MS,
} from './matrix.js';
import { childWatcher, consoleWatcher } from './watch.js';

// The server is a child process: its output is read by the watcher (see teeSpawn).
vi.mock('node:child_process', async (importOriginal) => {
  const mod = await importOriginal<typeof import('node:child_process')>();
  const { teeSpawn } = await import('./watch.js');
  return { ...mod, spawn: teeSpawn(mod.spawn) };
});

/**
 * The built app once more, reached on a raw socket so the client's own Host and
 * X-Forwarded-Proto arrive (h3's `getRequestURL` would build the URL from them; the adapter
 * does not).
 */
const badRequests = (start: (env: Record<string, string>) => Promise<NitroServer>) =>
  ({
    async start(runtimeUrl) {
      const app = await start({
        ESPER_API_KEY: TEST_KEY.apiKey,
        ESPER_API_SECRET: TEST_KEY.secret,
        ESPER_API_BASE: runtimeUrl,
        ESPER_TIMEOUT_MS: String(TIMEOUT_MS),
      });
      return {
        send: (path, headers) => rawRequest(app.origin, { target: path, headers }),
        close: app.stop,
      };
    },
  }) satisfies BadRequestHarness;

const watcher = childWatcher();
runFaultMatrix(nitroTarget(), {
  slackMs: OUT_OF_PROCESS_SLACK_MS,
  watcher,
  badRequests: badRequests(startNitroApp),
});
runFaultMatrix(nuxtTarget(), {
  slackMs: OUT_OF_PROCESS_SLACK_MS,
  watcher,
  badRequests: badRequests(startNuxtApp),
});
// The cloudflare-module build in workerd: Miniflare pipes the worker's output to this
// process's console. No client-sent Host reaches a worker (n/a there).
runFaultMatrix(nitroWorkersTarget, { slackMs: OUT_OF_PROCESS_SLACK_MS, watcher: consoleWatcher() });
