/**
 * A policy-driven runtime as a Hono app: the mitigation endpoint answered by the tenants'
 * policies, plus the routes of `registerRuntimeRoutes`. Other code can add routes to the app
 * it returns, or mount it in its own server.
 */
import { DEFAULT_SIGNATURE_TOLERANCE_SECONDS } from '@esper/core';
import { Hono } from 'hono';
import { registerHybridRoutes } from '../hybrid/hybrid-routes.js';
import type { PolicyRuntime } from '../policy-runtime.js';
import { decisionBody, errorBody } from '../protocol/answers.js';
import {
  checkMitigationCall,
  DEFAULT_MAX_BODY_BYTES,
  MITIGATION_PATH,
  type MitigationCallLimits,
} from '../protocol/mitigation-call.js';
import { DEFAULT_MAX_REPLAY_ENTRIES, ReplayGuard } from '../protocol/replay.js';
import { nodeBindings, type RuntimeContext, type RuntimeEnv } from './env.js';
import { registerRuntimeRoutes } from './routes.js';

export type RuntimeApp = Hono<RuntimeEnv>;

export interface RuntimeAppOptions {
  /** Allowed clock skew of signatures. Default 300. */
  signatureToleranceSeconds?: number;
  /** Default 32 KiB; larger bodies get 413. */
  maxBodyBytes?: number;
  /** Live idempotency keys remembered per API key before calls get 429. Default 1 000 000. */
  maxReplayEntries?: number;
  /** Hybrid event ids remembered per tenant (24 h each) before batches get 429. Default 1 000 000. */
  maxEventIds?: number;
}

function jsonResponse(status: number, body: string, headers: Record<string, string> = {}) {
  return new Response(body, {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** The mitigation endpoint with nothing scripted: every checked call goes to its tenant. */
export function policyMitigationHandler(runtime: PolicyRuntime, limits: MitigationCallLimits) {
  return async (c: RuntimeContext): Promise<Response> => {
    if (c.req.method !== 'POST') {
      return jsonResponse(405, errorBody('method_not_allowed', `use POST ${MITIGATION_PATH}`));
    }
    const url = new URL(c.req.url);
    // The signature covers the request target exactly as sent, so prefer Node's raw value.
    const target = nodeBindings(c).incoming?.url ?? url.pathname + url.search;
    const call = await checkMitigationCall(c.req.raw, target, limits);
    if (!call.ok) {
      return jsonResponse(call.status, errorBody(call.code, call.message, call.path), call.headers);
    }
    const tenant = runtime.tenantOf(call.key);
    if (!tenant) throw new Error(`API key ${call.key.apiKey} belongs to no tenant`);
    const answer = await runtime.decide(tenant, call.body, call.key);
    return jsonResponse(200, JSON.stringify(decisionBody(answer, url.origin)));
  };
}

export function createRuntimeApp(
  runtime: PolicyRuntime,
  options: RuntimeAppOptions = {},
): RuntimeApp {
  const toleranceSeconds = options.signatureToleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  const limits: MitigationCallLimits = {
    keys: runtime.keys,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    toleranceSeconds,
    now: runtime.now,
    replay: new ReplayGuard(
      toleranceSeconds * 1000,
      options.maxReplayEntries ?? DEFAULT_MAX_REPLAY_ENTRIES,
    ),
    validateBody: true,
  };
  const app = new Hono<RuntimeEnv>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.all(MITIGATION_PATH, policyMitigationHandler(runtime, limits));
  registerHybridRoutes(app, runtime, {
    keys: runtime.keys,
    toleranceSeconds,
    now: runtime.now,
    maxEventIds: options.maxEventIds,
  });
  registerRuntimeRoutes(app, runtime);
  app.notFound((c) =>
    jsonResponse(404, errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((err) => {
    runtime.logger.error?.(`runtime error: ${err.message}`);
    return jsonResponse(500, errorBody('runtime_error', err.message));
  });
  return app;
}
