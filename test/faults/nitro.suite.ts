import { vi } from 'vitest';
import { nitroTarget, nitroWorkersTarget, startNitroApp } from '../conformance/targets/nitro.js';
import { nuxtTarget, startNuxtApp } from '../conformance/targets/nuxt.js';
import { faultEnv, rawBadRequests, runChildFaultMatrix } from '../helpers/fault-suites.js';
import type { RunningServer } from '../helpers/server-target.js';
import { OUT_OF_PROCESS_SLACK_MS, runFaultMatrix } from './matrix.js';
import { consoleWatcher } from './watch.js';

// The server is a child process: its output is read by the watcher (see teeSpawn).
vi.mock('node:child_process', (load) => import('./watch.js').then((w) => w.teed(load)));

/**
 * The built app once more, reached on a raw socket so the client's own Host and
 * X-Forwarded-Proto arrive (h3's `getRequestURL` would build the URL from them; the adapter
 * does not).
 */
const badRequests = (start: (env: Record<string, string>) => Promise<RunningServer>) =>
  rawBadRequests((runtimeUrl) => start(faultEnv(runtimeUrl)));

runChildFaultMatrix(nitroTarget(), badRequests(startNitroApp));
runChildFaultMatrix(nuxtTarget(), badRequests(startNuxtApp));
// The cloudflare-module build in workerd: Miniflare pipes the worker's output to this
// process's console. No client-sent Host reaches a worker (n/a there).
runFaultMatrix(nitroWorkersTarget, { slackMs: OUT_OF_PROCESS_SLACK_MS, watcher: consoleWatcher() });
