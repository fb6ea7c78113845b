import { vi } from 'vitest';
import { startSvelteKitApp, svelteKitTarget } from '../conformance/targets/sveltekit.js';
import { faultEnv, rawBadRequests, runChildFaultMatrix } from '../helpers/fault-suites.js';

// The server is a child process: its output is read by the watcher (see teeSpawn).
vi.mock('node:child_process', (load) => import('./watch.js').then((w) => w.teed(load)));

/**
 * The built fixture once more, reached on a raw socket so the client's own Host arrives:
 * adapter-node builds the Request URL from it (no ORIGIN set), and from X-Forwarded-Proto
 * when told to trust it (PROTOCOL_HEADER).
 */
const badRequests = rawBadRequests((runtimeUrl, badCase) =>
  startSvelteKitApp({
    ...faultEnv(runtimeUrl),
    ...(badCase.includes('X-Forwarded-Proto') && { PROTOCOL_HEADER: 'x-forwarded-proto' }),
  }),
);

runChildFaultMatrix(svelteKitTarget(), badRequests);
