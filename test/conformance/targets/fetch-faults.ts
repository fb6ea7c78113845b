import type { BadRequestHarness } from '../../faults/matrix.js';
import { TIMEOUT_MS } from '../../faults/matrix.js';
import { rawRequest } from '../../helpers/raw-http.js';
import { TEST_KEY } from '../runtime.js';
import { FETCH_APP_ENV, type FetchRuntime, fetchApp, startInRuntime } from './fetch.js';

/**
 * The fault matrix's bad requests (a client-sent Host or X-Forwarded-Proto), on a raw socket:
 * the same app in cloud mode, configured by its environment as in `fetchTarget`.
 */
export function fetchBadRequests(runtime: FetchRuntime): BadRequestHarness {
  return {
    async start(runtimeUrl) {
      const app = await startInRuntime(
        runtime,
        await fetchApp(),
        {
          ESPER_API_KEY: TEST_KEY.apiKey,
          ESPER_API_SECRET: TEST_KEY.secret,
          ESPER_API_BASE: runtimeUrl,
          ESPER_TIMEOUT_MS: String(TIMEOUT_MS),
        },
        FETCH_APP_ENV,
      );
      return {
        send: (path, headers) => rawRequest(app.origin, { target: path, headers }),
        close: () => app.stop(),
      };
    },
  };
}
