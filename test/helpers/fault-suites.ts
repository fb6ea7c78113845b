/**
 * The pieces every fault suite (test/faults/*.suite.ts) repeats: the settings of the app its
 * bad requests reach, that app reached on a raw socket, and the matrix of a target that runs
 * as a child process.
 */
import { TEST_KEY } from '../conformance/runtime.js';
import { APP_CONTRACT, type Target, targetEnv } from '../conformance/target.js';
import {
  type BadRequestHarness,
  OUT_OF_PROCESS_SLACK_MS,
  runFaultMatrix,
  TIMEOUT_MS,
} from '../faults/matrix.js';
import { childWatcher } from '../faults/watch.js';
import { rawRequest } from './raw-http.js';
import type { RunningServer } from './server-target.js';

/** The ESPER_* settings of an app started for a bad request: the matrix's key and timeout. */
export const faultEnv = (runtimeUrl: string): Record<string, string> =>
  targetEnv({
    runtimeUrl,
    apiKey: TEST_KEY.apiKey,
    secret: TEST_KEY.secret,
    mode: 'live',
    timeoutMs: TIMEOUT_MS,
  });

/** The same settings in code, for an adapter started in this process (no environment read). */
export const faultOptions = (runtimeUrl: string) => ({
  apiKey: TEST_KEY.apiKey,
  secret: TEST_KEY.secret,
  apiBase: runtimeUrl,
  timeoutMs: TIMEOUT_MS,
  env: {},
  failClosedRoutes: [...APP_CONTRACT.failClosedRoutes],
});

/**
 * The app `start` makes for one case of BAD_REQUESTS, reached on a raw socket so the client's
 * own Host and X-Forwarded-Proto arrive (fetch would overwrite Host).
 */
export function rawBadRequests(
  start: (runtimeUrl: string, badCase: string) => Promise<RunningServer>,
): BadRequestHarness {
  return {
    async start(runtimeUrl, badCase) {
      const app = await start(runtimeUrl, badCase);
      return {
        send: (path, headers) => rawRequest(app.origin, { target: path, headers }),
        close: () => app.stop(),
      };
    },
  };
}

/**
 * The fault matrix of a target running as a child process (the suite tees `node:child_process`,
 * see watch.ts `teed`): the measured time spans a process hop, its output is watched.
 */
export function runChildFaultMatrix(target: Target, badRequests?: BadRequestHarness): void {
  runFaultMatrix(target, {
    slackMs: OUT_OF_PROCESS_SLACK_MS,
    watcher: childWatcher(),
    ...(badRequests && { badRequests }),
  });
}

/**
 * `target`, named `<name>, <label>`, with `headers` added to every request: headers the URL
 * parser refuses to build a Request from. Each fault must still end in the fallback.
 */
export function withHeaders(
  target: Target,
  label: string,
  headers: Array<[string, string]>,
): Target {
  return {
    name: `${target.name}, ${label}`,
    async start(options) {
      const instance = await target.start(options);
      return {
        ...instance,
        request: (req) =>
          instance.request({ ...req, headers: [...(req.headers ?? []), ...headers] }),
      };
    },
  };
}
