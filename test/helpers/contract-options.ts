/**
 * The conformance app's options for an adapter configured in code (test/conformance/target.ts
 * APP_CONTRACT), written once for the in-process targets.
 */
import { APP_CONTRACT, type TargetOptions } from '../conformance/target.js';

/** The fail-closed routes, the email field, and in the hybrid column the local decider. */
export function contractOptions<D>(decider?: D) {
  return {
    failClosedRoutes: [...APP_CONTRACT.failClosedRoutes],
    fields: (request: Request) => ({ email: request.headers.get(APP_CONTRACT.fieldsHeader) }),
    ...(decider && { decider }),
  };
}

/** `o`'s runtime settings in code: what `targetEnv` puts in an environment. */
export const settingsInCode = (o: TargetOptions) => ({
  apiKey: o.apiKey,
  secret: o.secret,
  apiBase: o.runtimeUrl,
  mode: o.mode,
  timeoutMs: o.timeoutMs,
});
