/**
 * A test-only origin serving the hybrid contract over real HTTP on 127.0.0.1, until
 * `@esper/runtime` serves it: `GET /api/v1/hybrid/snapshot` (signed, `ETag` / `If-None-Match`
 * → 304) and `POST /api/v1/hybrid/events` (signed, body hashed, idempotent per `event_id`).
 * Tests change what it serves (a new version, an invalid snapshot, an outage) between polls.
 */
import { verifySignature } from '@esper/core';
import {
  type ListeningServer,
  listen,
  QUICKSTART_TENANT,
  validateEventBatch,
} from '@esper/runtime';
import { EVENTS_PATH, SNAPSHOT_PATH } from '../origin-client.js';
import type { HybridEvent } from '../reporter.js';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into fixture JSON to break it on purpose.
type Loose = any;

export const QS_KEY = QUICKSTART_TENANT.api_keys[0]!;

/** The quickstart tenant as origin would snapshot it for its web key: no keys, no secrets. */
export function quickstartSnapshot(version = 'v1', change?: (config: Loose) => void): Loose {
  const {
    api_keys: _keys,
    return_origins: _origins,
    ...config
  } = structuredClone(QUICKSTART_TENANT) as Loose;
  change?.(config);
  return {
    version,
    tenant_id: config.tenant_id,
    generated_at: '2026-11-30T00:00:00.000Z',
    config,
    source: { source_id: QS_KEY.source_id, trust_level: QS_KEY.trust_level },
  };
}

export interface SnapshotCall {
  ifNoneMatch: string | undefined;
  status: number;
}

export interface TestOrigin {
  readonly url: string;
  /**
   * What the snapshot endpoint serves: a body (ETag from its `version`, plus `etagSuffix`, as
   * `@esper/runtime` adds its clearance keys' hash), or a status.
   */
  serve(snapshot: unknown, etagSuffix?: string): void;
  down(status?: number): void;
  /** Snapshot answers wait this long first (a slow origin). */
  delay(ms: number): void;
  /** The next `n` event posts answer this status. */
  failEvents(n: number, status?: number): void;
  readonly snapshotCalls: SnapshotCall[];
  /** Every distinct event accepted, in arrival order. */
  readonly events: HybridEvent[];
  /** Sizes of the event batches received (accepted or not). */
  readonly batches: number[];
  close(): Promise<void>;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** What the origin serves and what it received; the HTTP side only reads and records. */
class OriginState {
  served: unknown = quickstartSnapshot();
  etagSuffix = '';
  outage: number | undefined;
  delayMs = 0;
  eventFailures = { left: 0, status: 503 };
  readonly snapshotCalls: SnapshotCall[] = [];
  readonly events: HybridEvent[] = [];
  readonly batches: number[] = [];
  private readonly seen = new Set<string>();

  snapshot(request: Request): Response {
    const ifNoneMatch = request.headers.get('if-none-match') ?? undefined;
    const record = (status: number) => this.snapshotCalls.push({ ifNoneMatch, status });
    if (this.outage !== undefined) {
      record(this.outage);
      return json(this.outage, { error: { code: 'unavailable', message: 'origin down' } });
    }
    const etag = `"${String((this.served as { version?: unknown })?.version)}${this.etagSuffix}"`;
    if (ifNoneMatch === etag) {
      record(304);
      return new Response(null, { status: 304, headers: { etag } });
    }
    record(200);
    return json(200, this.served, { etag });
  }

  accept(body: string): Response {
    // Rows or columns, checked and expanded as the runtime does.
    const checked = validateEventBatch(JSON.parse(body), { earliestMs: 0, latestMs: 8.64e15 });
    if (!checked.ok) return json(400, { error: { code: 'invalid_body' }, errors: checked.errors });
    const batch = checked.events as HybridEvent[];
    this.batches.push(batch.length);
    if (this.eventFailures.left > 0) {
      this.eventFailures.left -= 1;
      return json(this.eventFailures.status, { error: { code: 'unavailable', message: 'later' } });
    }
    let duplicates = 0;
    for (const event of batch) {
      if (this.seen.has(event.event_id)) duplicates += 1;
      else {
        this.seen.add(event.event_id);
        this.events.push(event);
      }
    }
    return json(200, { accepted: batch.length - duplicates, duplicates });
  }
}

/** Checks the signature like the runtime does, then routes. */
function handler(state: OriginState, keys: Record<string, string>) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const body = await request.text();
    const check = await verifySignature({
      method: request.method,
      path: url.pathname + url.search,
      body,
      headers: request.headers,
      secretFor: (id) => keys[id],
    });
    if (!check.ok) return json(401, { error: { code: check.code, message: check.message } });
    if (url.pathname === SNAPSHOT_PATH && request.method === 'GET') {
      if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
      return state.snapshot(request);
    }
    if (url.pathname === EVENTS_PATH && request.method === 'POST') return state.accept(body);
    return json(404, { error: { code: 'not_found', message: url.pathname } });
  };
}

export async function startTestOrigin(
  keys: Record<string, string> = { [QS_KEY.apiKey]: QS_KEY.secret },
): Promise<TestOrigin> {
  const state = new OriginState();
  const server: ListeningServer = await listen(handler(state, keys));
  return {
    url: server.url,
    serve(snapshot, etagSuffix = '') {
      state.served = snapshot;
      state.etagSuffix = etagSuffix;
      state.outage = undefined;
    },
    down(status = 503) {
      state.outage = status;
    },
    delay(ms) {
      state.delayMs = ms;
    },
    failEvents(n, status = 503) {
      state.eventFailures = { left: n, status };
    },
    snapshotCalls: state.snapshotCalls,
    events: state.events,
    batches: state.batches,
    close: () => server.close(),
  };
}
