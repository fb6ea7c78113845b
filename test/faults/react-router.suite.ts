import { vi } from 'vitest';
import { reactRouterTarget, startReactRouterApp } from '../conformance/targets/react-router.js';
import { faultEnv, rawBadRequests, runChildFaultMatrix } from '../helpers/fault-suites.js';

// The server is a child process: its output is read by the watcher (see teeSpawn).
vi.mock('node:child_process', (load) => import('./watch.js').then((w) => w.teed(load)));

/**
 * The same build reached on a raw socket, so the client's own Host and X-Forwarded-Proto
 * arrive: @react-router/express builds the Request URL from them.
 */
runChildFaultMatrix(
  reactRouterTarget,
  rawBadRequests((runtimeUrl) => startReactRouterApp(faultEnv(runtimeUrl))),
);
