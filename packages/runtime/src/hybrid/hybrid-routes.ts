/**
 * The origin side of hybrid mode (docs/hybrid.md): a customer-run runtime syncs its tenant's
 * configuration from `GET /api/v1/hybrid/snapshot` and reports the decisions it made locally
 * to `POST /api/v1/hybrid/events`. Both are signed with one of the tenant's API keys, like
 * runtime calls; neither ever answers with a secret (the snapshot's `clearance_keys` are public
 * keys: they verify clearance tokens, they cannot make one).
 */
import { createHash } from 'node:crypto';
import { EVENTS_PATH, SNAPSHOT_PATH } from '@esper/hybrid';
import type { Hono } from 'hono';
import type { ClearanceJwk } from '../challenge/clearance.js';
import type { PolicyRuntime } from '../policy-runtime.js';
import { errorBody } from '../protocol/answers.js';
import { readBodyCapped } from '../protocol/body.js';
import { nodeBindings, type RuntimeContext, type RuntimeEnv } from '../server/env.js';
import { syncedConfig } from '../tenants/config-version.js';
import { EventLedger } from './event-ledger.js';
import { MAX_EVENT_BATCH_BYTES, validateEventBatch } from './events.js';
import { checkHybridCall, type HybridLimits, type HybridRefusal, refuse } from './hybrid-call.js';

// The paths the hybrid client calls: one definition for both sides.
export { EVENTS_PATH, SNAPSHOT_PATH };

const NO_STORE = { 'cache-control': 'no-store' };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...NO_STORE, ...headers },
  });
}

function refusal(r: HybridRefusal): Response {
  const body = JSON.parse(errorBody(r.code, r.message, r.path));
  if (r.errors) body.error.errors = r.errors;
  return json(r.status, body, r.headers);
}

function targetOf(c: RuntimeContext): string {
  const url = new URL(c.req.url);
  // The signature covers the request target exactly as sent, so prefer Node's raw value.
  return nodeBindings(c).incoming?.url ?? url.pathname + url.search;
}

/** RFC 9110 If-None-Match: `*`, or a list of (possibly weak) entity tags. */
export function matchesEtag(header: string | undefined, version: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === `"${version}"`;
  });
}

/**
 * The snapshot's entity tag: the configuration version and the clearance keys' ids, so an edge
 * holding the right configuration but old keys (the origin restarted with new ones) gets a 200
 * with the new keys rather than a 304. `<version>.<first 16 hex of SHA-256 of the kids>`.
 */
export function snapshotEtag(version: string, keys: readonly ClearanceJwk[]): string {
  const kids = keys.map((k) => k.kid).join(',');
  return `${version}.${createHash('sha256').update(kids).digest('hex').slice(0, 16)}`;
}

/** GET /api/v1/hybrid/snapshot: the key's tenant's whole configuration, by version. */
function snapshotHandler(runtime: PolicyRuntime, limits: HybridLimits) {
  return async (c: RuntimeContext): Promise<Response> => {
    if (c.req.method !== 'GET') {
      return refusal(refuse(405, 'method_not_allowed', `use GET ${SNAPSHOT_PATH}`));
    }
    // A GET is signed over an empty body, whatever was sent.
    const call = await checkHybridCall(c.req.raw, targetOf(c), new Uint8Array(0), runtime, limits);
    if (!call.ok) return refusal(call);
    const { tenant, key } = call;
    const clearanceKeys = (await runtime.clearanceSigner()).verificationKeys;
    // Read together, with no await in between: the version always describes this config.
    const version = tenant.version;
    const config = syncedConfig(tenant.config);
    const tag = snapshotEtag(version, clearanceKeys);
    const etag = { etag: `"${tag}"` };
    if (matchesEtag(c.req.header('if-none-match'), tag)) {
      return new Response(null, { status: 304, headers: { ...NO_STORE, ...etag } });
    }
    const body = {
      version,
      tenant_id: tenant.id,
      generated_at: new Date(runtime.now()).toISOString(),
      config,
      source: { source_id: key.sourceId ?? null, trust_level: key.trustLevel ?? null },
      clearance_keys: clearanceKeys,
    };
    return json(200, body, etag);
  };
}

/** POST /api/v1/hybrid/events: counts each new event once in its tenant's results. */
function eventsHandler(runtime: PolicyRuntime, limits: HybridLimits, ledger: EventLedger) {
  return async (c: RuntimeContext): Promise<Response> => {
    if (c.req.method !== 'POST') {
      return refusal(refuse(405, 'method_not_allowed', `use POST ${EVENTS_PATH}`));
    }
    const read = await readBodyCapped(c.req.raw, MAX_EVENT_BATCH_BYTES);
    if (!read.ok) {
      return refusal(refuse(413, 'payload_too_large', `body over ${MAX_EVENT_BATCH_BYTES} bytes`));
    }
    const call = await checkHybridCall(c.req.raw, targetOf(c), read.bytes, runtime, limits);
    if (!call.ok) return refusal(call);
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(read.bytes));
    } catch {
      return refusal(refuse(400, 'invalid_json', 'the body is not valid UTF-8 JSON'));
    }
    const nowMs = limits.now();
    const window = {
      earliestMs: nowMs - ledger.retentionMs,
      latestMs: nowMs + limits.toleranceSeconds * 1000,
    };
    const batch = validateEventBatch(parsed, window);
    if (!batch.ok) {
      const first = batch.errors[0]!;
      return refusal({
        ...refuse(400, 'invalid_body', first.message),
        path: first.path,
        errors: batch.errors,
      });
    }
    const ids = batch.events.map((e) => ({
      id: e.event_id,
      observedAtMs: Date.parse(e.observed_at),
    }));
    const verdict = ledger.admit(call.tenant.id, ids, nowMs);
    if (!verdict.ok) {
      return refusal({
        ...refuse(
          429,
          'event_capacity',
          `the runtime remembers ${ledger.maxEntries} event ids for this tenant and none has expired yet; retry in ${verdict.retryAfterSeconds} s`,
        ),
        headers: { 'retry-after': String(verdict.retryAfterSeconds) },
      });
    }
    batch.events.forEach((event, i) => {
      if (verdict.fresh[i]) call.tenant.countHybrid(event);
    });
    const accepted = batch.events.length - verdict.duplicates;
    return json(200, { accepted, duplicates: verdict.duplicates });
  };
}

export interface HybridRouteOptions extends HybridLimits {
  /** Event ids remembered per tenant before batches get 429. Default 1 000 000. */
  maxEventIds?: number;
}

export function registerHybridRoutes(
  app: Hono<RuntimeEnv>,
  runtime: PolicyRuntime,
  options: HybridRouteOptions,
): void {
  const { maxEventIds, ...limits } = options;
  const ledger = new EventLedger(maxEventIds);
  app.all(SNAPSHOT_PATH, snapshotHandler(runtime, limits));
  app.all(EVENTS_PATH, eventsHandler(runtime, limits, ledger));
}
