import { errorBody, MITIGATION_PATH, type RuntimeEnv, registerRuntimeRoutes } from '@esper/runtime';
import { Hono } from 'hono';
import { MockController } from './controller.js';
import { mitigationHandler } from './mitigation.js';
import type { MockRuntimeOptions } from './types.js';

export type MockRuntimeApp = Hono<RuntimeEnv>;

/**
 * The mock runtime as a Hono app, for mounting in another server or driving with
 * `app.request()`. Pass a `MockController` to share its state (recorded requests, scripts)
 * with the caller; `startMockRuntime` does exactly that. The challenge page, admin API and
 * results page are @esper/runtime's routes over the controller's policy runtime.
 */
export function createMockRuntimeApp(
  options: MockRuntimeOptions | MockController = {},
): MockRuntimeApp {
  const ctl = options instanceof MockController ? options : new MockController(options);
  const app = new Hono<RuntimeEnv>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.all(MITIGATION_PATH, mitigationHandler(ctl));
  registerRuntimeRoutes(app, ctl.runtime);
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
