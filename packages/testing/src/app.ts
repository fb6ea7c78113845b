import { Hono } from 'hono';
import { errorBody } from './answers.js';
import { MockController } from './controller.js';
import type { MockEnv } from './env.js';
import { MITIGATION_PATH, mitigationHandler } from './mitigation.js';
import type { MockRuntimeOptions } from './types.js';

export type MockRuntimeApp = Hono<MockEnv>;

const CHALLENGE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Esper mock challenge</title></head>
<body><h1>Esper mock challenge</h1><p>This page stands in for the real challenge page.</p></body></html>
`;

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
  // Placeholder so a client that follows a mock challenge URL gets a page, not a 404.
  app.get('/challenge', (c) => c.html(CHALLENGE_PAGE));
  app.all(MITIGATION_PATH, mitigationHandler(ctl));
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
