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

/** The endpoint's limits: events per batch, body bytes. */
export const MAX_BATCH_EVENTS = 1000;
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

/** The wire event of a record (docs/protocol.md): what origin stores, field for field. */
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

/**
 * The bodies of one batch: one JSON serialisation and one UTF-8 encoding for the whole batch;
 * split in halves (again and again) only when it is over `maxBytes`, which takes events of
 * kilobytes each (long paths). An event over the limit on its own still goes, alone: origin
 * refuses it (413) and the reporter drops it, as it would any refused batch.
 */
export function eventBodies(
  prefix: string,
  records: readonly EventRecord[],
  maxBytes = MAX_BATCH_BYTES,
): Uint8Array<ArrayBuffer>[] {
  const events = new Array<HybridEvent>(records.length);
  for (let i = 0; i < records.length; i++) events[i] = wireEvent(prefix, records[i] as EventRecord);
  const out: Uint8Array<ArrayBuffer>[] = [];
  const add = (part: HybridEvent[]) => {
    const body = encoder.encode(JSON.stringify({ events: part }));
    if (body.length <= maxBytes || part.length === 1) {
      out.push(body);
      return;
    }
    const half = Math.ceil(part.length / 2);
    add(part.slice(0, half));
    add(part.slice(half));
  };
  add(events);
  return out;
}
