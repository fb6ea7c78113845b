/**
 * The routes of a policy-driven runtime besides the mitigation endpoint: the challenge page and
 * its verification, the admin API (rules, audit, results) and the results console (/results).
 * Registered on an app the caller owns, so the mock and `createRuntimeApp` (and later commands)
 * share them.
 */
import type { Hono } from 'hono';
import { registerAdminApi } from '../admin/definitions-api.js';
import { VERIFY_PATH } from '../challenge/challenge-page.js';
import { challengeGet, challengeVerify } from '../challenge/challenge-routes.js';
import { consoleRoutes } from '../console/routes.js';
import { runtimeConsoleSource } from '../console/runtime-source.js';
import type { PolicyRuntime } from '../policy-runtime.js';
import type { RuntimeEnv } from './env.js';

export function registerRuntimeRoutes(app: Hono<RuntimeEnv>, runtime: PolicyRuntime): void {
  app.get('/challenge', challengeGet(runtime));
  app.post(VERIFY_PATH, challengeVerify(runtime));
  registerAdminApi(app, runtime);
  // The results console (see console/): the registerAdminApi guard runs first on /results too.
  consoleRoutes(app, {
    source: runtimeConsoleSource(runtime),
    adminToken: () => runtime.adminToken,
    realm: 'esper-mock admin',
  });
}
