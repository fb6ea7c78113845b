import { Hono } from 'hono';
import { errorBody } from './answers.js';
import { VERIFY_PATH } from './challenge-page.js';
import { challengeGet, challengeVerify } from './challenge-routes.js';
import { MockController } from './controller.js';
import type { MockEnv } from './env.js';
import { pageHeaders } from './html.js';
import { MITIGATION_PATH, mitigationHandler } from './mitigation.js';
import { resultsPage } from './results-page.js';
import { registerRulesApi } from './rules-api.js';
import type { MockRuntimeOptions } from './types.js';

export type MockRuntimeApp = Hono<MockEnv>;

/**
 * The mock runtime as a Hono app, for mounting in another server or driving with
 * `app.request()`. Pass a `MockController` to share its state (recorded requests, scripts)
 * with the caller; `startMockRuntime` does exactly that.
 */
export function createMockRuntimeApp(
  options: MockRuntimeOptions | MockController = {},
): MockRuntimeApp {
  const ctl = options instanceof MockController ? options : new MockController(options);
  const app = new Hono<MockEnv>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/challenge', challengeGet(ctl));
  app.post(VERIFY_PATH, challengeVerify(ctl));
  app.all(MITIGATION_PATH, mitigationHandler(ctl));
  registerRulesApi(app, ctl);
  app.get('/results', (c) =>
    c.body(resultsPage([...ctl.tenants.values()].map((t) => t.snapshot())), 200, pageHeaders()),
  );
  app.notFound((c) =>
    c.body(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404, {
      'content-type': 'application/json',
    }),
  );
  app.onError((err, c) => {
    ctl.logger.error?.(`mock error: ${err.message}`);
    return c.body(errorBody('mock_error', err.message), 500, {
      'content-type': 'application/json',
    });
  });
  return app;
}
