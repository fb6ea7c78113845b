/**
 * What the reporter queues per local decision, and how a batch of it becomes the body of
 * `POST /api/v1/hybrid/events` (docs/protocol.md). A decision only captures references to a
 * few fields it already has (no string building, no id generation beyond a counter); the
 * wire objects and their JSON are made once per batch, off the request path.
 */
import type { WebCrypto } from '@esper/core';
import type { PolicyAnswer } from '@esper/policy';
import type { HybridEvent } from './reporter.js';

/** One decision as queued: the fields an event needs, nothing derived. */
export interface EventRecord {
  /** This process's event number: `event_id` is the id prefix and this, in hex. */
  seq: number;
  observedAt: string;
  decisionId: string;
  action: HybridEvent['action'];
  mode: HybridEvent['mode'];
  policyId: string | null;
  mitigationId: string | null;
  method: string;
  path: string;
  clientIp: string | undefined;
  latencyUs: number;
}

/**
 * Events per batch: a quarter of the endpoint's most in the columnar form (10,000), so that at
 * 5,000 decisions/s two POSTs a second carry them (their fixed cost spread over 2,500 each),
 * while the default queue (10,000) still holds four batches when a burst outruns a slow POST;
 * `flushMs` sends smaller batches sooner. And the endpoint's body limit.
 */
export const MAX_BATCH_EVENTS = 2500;
export const MAX_BATCH_BYTES = 1024 * 1024;

/**
 * A per-process random prefix, `xxxxxxxx-xxxx-xxxx-xxxx-` (80 random bits), for event ids of
 * the form `<prefix><12 hex digits of a counter>`: unique per event (the counter) and across
 * processes (the prefix), and as long as a UUID. Origin only needs them unique per event
 * (the idempotency key); one random prefix per process makes a collision between processes as
 * unlikely as between UUIDs, without 16 random bytes per event.
 */
export function eventIdPrefix(crypto: WebCrypto): string {
  const b = crypto.getRandomValues(new Uint8Array(10));
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-`;
}

/** Fields of the answer an event takes, read once when the decision is made. */
export function eventRecord(
  seq: number,
  observedAt: string,
  request: { method: string; path: string; client_ip?: string },
  answer: PolicyAnswer,
  latencyUs: number,
): EventRecord {
  return {
    seq,
    observedAt,
    decisionId: answer.decision_id,
    action: answer.action,
    mode: answer.mode,
    policyId: answer.policy_id,
    mitigationId: answer.mitigation_id,
    method: request.method,
    path: request.path,
    clientIp: request.client_ip,
    latencyUs,
  };
}

/** The row form of a record (docs/protocol.md): what origin expands the columns to. */
export function wireEvent(prefix: string, r: EventRecord): HybridEvent {
  const event: HybridEvent = {
    event_id: prefix + r.seq.toString(16).padStart(12, '0'),
    observed_at: r.observedAt,
    decision_id: r.decisionId,
    action: r.action,
    mode: r.mode,
    request:
      r.clientIp === undefined
        ? { method: r.method, path: r.path }
        : { method: r.method, path: r.path, client_ip: r.clientIp },
    latency_us: r.latencyUs,
  };
  if (r.policyId !== null) event.policy_id = r.policyId;
  if (r.mitigationId !== null) event.mitigation_id = r.mitigationId;
  return event;
}

const encoder = new TextEncoder();

/** The columnar body (docs/protocol.md, `POST /api/v1/hybrid/events`) of some records. */
export interface EventColumns {
  event_id_prefix: string;
  /** The first event's counter, then each one's difference from the one before. */
  event_seq: number[];
  /** `observed_at` in epoch milliseconds: the first, then differences. */
  observed_at_ms: number[];
  decision_id: string[];
  /** Repeated strings, once; the next five columns index into it (-1: null). */
  strings: string[];
  action: number[];
  mode: number[];
  policy_id: number[];
  mitigation_id: number[];
  method: number[];
  path: string[];
  client_ip: Array<string | null>;
  latency_us: number[];
}

/**
 * A batch as columns: one array per field, so a batch serialises as a few flat arrays rather
 * than 1,000 objects; the strings most events repeat (action, mode, policy and mitigation ids,
 * method) sent once; ids and times as small differences. About a third of the rows' bytes.
 */
export function eventColumns(prefix: string, records: readonly EventRecord[]): EventColumns {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (s: string | null): number => {
    if (s === null) return -1;
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const c: EventColumns = {
    event_id_prefix: prefix,
    event_seq: [],
    observed_at_ms: [],
    decision_id: [],
    strings,
    action: [],
    mode: [],
    policy_id: [],
    mitigation_id: [],
    method: [],
    path: [],
    client_ip: [],
    latency_us: [],
  };
  // Filled by push, never `new Array(n)`: packed arrays are what JSON.stringify does fastest.
  let seq = 0;
  let ms = 0;
  let at = '';
  let atMs = 0;
  for (const r of records) {
    c.event_seq.push(r.seq - seq);
    seq = r.seq;
    // Decisions made in the same millisecond share one string: parse each once.
    if (r.observedAt !== at) {
      at = r.observedAt;
      atMs = Date.parse(at);
    }
    c.observed_at_ms.push(atMs - ms);
    ms = atMs;
    c.decision_id.push(r.decisionId);
    c.action.push(intern(r.action));
    c.mode.push(intern(r.mode));
    c.policy_id.push(intern(r.policyId));
    c.mitigation_id.push(intern(r.mitigationId));
    c.method.push(intern(r.method));
    c.path.push(r.path);
    c.client_ip.push(r.clientIp ?? null);
    c.latency_us.push(r.latencyUs);
  }
  return c;
}

/**
 * The bodies of one batch, in the columnar form: one JSON serialisation and one UTF-8 encoding
 * for the whole batch; split in halves (again and again) only when it is over `maxBytes`,
 * which takes events of kilobytes each (long paths). An event over the limit on its own still
 * goes, alone: origin refuses it (413) and the reporter drops it, as it would any refused batch.
 */
export function eventBodies(
  prefix: string,
  records: readonly EventRecord[],
  maxBytes = MAX_BATCH_BYTES,
): Uint8Array<ArrayBuffer>[] {
  const out: Uint8Array<ArrayBuffer>[] = [];
  const add = (part: readonly EventRecord[]) => {
    const body = encoder.encode(JSON.stringify({ columns: eventColumns(prefix, part) }));
    if (body.length <= maxBytes || part.length === 1) {
      out.push(body);
      return;
    }
    const half = Math.ceil(part.length / 2);
    add(part.slice(0, half));
    add(part.slice(half));
  };
  add(records);
  return out;
}
