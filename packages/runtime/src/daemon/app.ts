/**
 * The daemon's HTTP surface: protocol v1 `POST /api/v1/runtime/mitigation` checked exactly as
 * origin checks it (`checkMitigationCall`: size, signature with the key of `credentials.xml`,
 * JSON, replay, shape) and decided locally; `/healthz`, `/readyz` and `/status`.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_SIGNATURE_TOLERANCE_SECONDS, type Logger } from '@esper/core';
import type { Hybrid } from '@esper/hybrid';
import type { PolicyAnswer } from '@esper/policy';
import { Hono } from 'hono';
import { decisionBody, errorBody } from '../protocol/answers.js';
import {
  checkMitigationCall,
  MITIGATION_PATH,
  type MitigationCallLimits,
} from '../protocol/mitigation-call.js';
import { DEFAULT_MAX_REPLAY_ENTRIES, ReplayGuard } from '../protocol/replay.js';
import type { MitigationBody, RuntimeKey } from '../protocol/types.js';
import { nodeBindings, type RuntimeEnv } from '../server/env.js';
import type { DaemonActivity } from './console-source.js';
import type { RuntimeSettings } from './files.js';
import type { Spool } from './spool.js';

export interface DaemonStats {
  decisions: Record<string, number>;
  /** Decisions by deciding policy or rule id (`none`: no policy matched). */
  policies: Record<string, number>;
  refused: number;
  notReady: number;
}

export interface DaemonAppDeps {
  key: RuntimeKey;
  hybrid: Hybrid;
  spool: Spool;
  runtime: RuntimeSettings;
  logger: Logger;
  stats: DaemonStats;
  /** The results console's figures. */
  activity: DaemonActivity;
  /** `/status`'s body. */
  status: () => unknown;
  /** False once SIGTERM came: `/readyz` says so, so a balancer stops sending. */
  accepting: () => boolean;
}

function json(status: number, body: string, headers: Record<string, string> = {}) {
  return new Response(body, {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function createDaemonApp(d: DaemonAppDeps): Hono<RuntimeEnv> {
  const tolerance = DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  const limits: MitigationCallLimits = {
    keys: new Map([[d.key.apiKey, d.key]]),
    maxBodyBytes: d.runtime.limits.maxBodyBytes,
    toleranceSeconds: tolerance,
    now: Date.now,
    replay: new ReplayGuard(tolerance * 1000, DEFAULT_MAX_REPLAY_ENTRIES),
    validateBody: true,
  };
  const app = new Hono<RuntimeEnv>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', (c) => {
    const version = d.hybrid.status().version;
    const ready = version !== undefined && d.accepting();
    return c.json({ ready, version: version ?? null }, ready ? 200 : 503);
  });
  app.get('/status', (c) => c.json(d.status() as object));
  app.all(MITIGATION_PATH, async (c) => {
    if (c.req.method !== 'POST')
      return json(405, errorBody('method_not_allowed', `use POST ${MITIGATION_PATH}`));
    const started = performance.now();
    const url = new URL(c.req.url);
    const target = nodeBindings(c).incoming?.url ?? url.pathname + url.search;
    const call = await checkMitigationCall(c.req.raw, target, limits);
    if (!call.ok) {
      d.stats.refused++;
      return json(call.status, errorBody(call.code, call.message, call.path), call.headers);
    }
    if (d.hybrid.status().version === undefined) {
      // Nothing to decide with yet: the integration falls back as when Esper does not answer.
      d.stats.notReady++;
      return json(
        503,
        errorBody('not_ready', 'no snapshot yet: run esper sync, or wait for the first sync'),
        { 'retry-after': '5' },
      );
    }
    const answer = (await d.hybrid.decider.decide(call.body)) as PolicyAnswer;
    if (d.runtime.enforcement === 'monitor') answer.mode = 'monitor';
    const latencyUs = Math.round((performance.now() - started) * 1000);
    record(d, call.body, answer, latencyUs);
    return json(200, JSON.stringify(decisionBody(answer, url.origin)));
  });
  app.notFound((c) =>
    json(404, errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((err) => {
    d.logger.error({ err: err.message }, 'daemon error');
    return json(500, errorBody('runtime_error', err.message));
  });
  return app;
}

/** Counts the decision and spools its event (docs/hybrid.md, "Events"). */
function record(d: DaemonAppDeps, body: MitigationBody, a: PolicyAnswer, latencyUs: number) {
  d.stats.decisions[a.action] = (d.stats.decisions[a.action] ?? 0) + 1;
  const policy = a.policy_id ?? 'none';
  d.stats.policies[policy] = (d.stats.policies[policy] ?? 0) + 1;
  const request: { method: string; path: string; client_ip?: string } = {
    method: body.request.method,
    path: body.request.path,
  };
  if (body.request.client_ip) request.client_ip = body.request.client_ip;
  d.activity.record(a, body.request.client_ip, latencyUs);
  d.spool.append({
    event_id: randomUUID(),
    observed_at: body.observed_at,
    decision_id: a.decision_id,
    action: a.action,
    mode: a.mode,
    ...(a.policy_id !== null && { policy_id: a.policy_id }),
    ...(a.mitigation_id !== null && { mitigation_id: a.mitigation_id }),
    request,
    latency_us: latencyUs,
  });
}
