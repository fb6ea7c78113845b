import { vi } from 'vitest';
import { astroTarget, startAstroApp } from '../conformance/targets/astro.js';
import { faultEnv, rawBadRequests, runChildFaultMatrix } from '../helpers/fault-suites.js';

// The built app runs as a child process (`node dist/server/entry.mjs`): its output is read.
vi.mock('node:child_process', (load) => import('./watch.js').then((w) => w.teed(load)));

/**
 * The same built app, reached on a raw socket so the client's own Host and X-Forwarded-Proto
 * arrive: @astrojs/node builds the Request URL from them (validated against
 * `security.allowedDomains`, empty here, so both are ignored).
 */
runChildFaultMatrix(
  astroTarget,
  rawBadRequests((runtimeUrl) => startAstroApp(faultEnv(runtimeUrl))),
);
