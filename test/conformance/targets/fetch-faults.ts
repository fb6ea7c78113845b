import { faultEnv, rawBadRequests } from '../../helpers/fault-suites.js';
import { FETCH_APP_ENV, type FetchRuntime, fetchApp, startInRuntime } from './fetch.js';

/**
 * The fault matrix's bad requests (a client-sent Host or X-Forwarded-Proto), on a raw socket:
 * the same app in cloud mode, configured by its environment as in `fetchTarget`.
 */
export const fetchBadRequests = (runtime: FetchRuntime) =>
  rawBadRequests(async (runtimeUrl) =>
    startInRuntime(runtime, await fetchApp(), faultEnv(runtimeUrl), FETCH_APP_ENV),
  );
