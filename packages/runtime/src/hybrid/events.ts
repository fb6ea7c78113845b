/**
 * The body of `POST /api/v1/hybrid/events`: decisions a hybrid runtime made locally. Every
 * event is checked and every problem reported with its JSON path; one bad event refuses the
 * whole batch, so a daemon never has to work out which part of a batch was taken. Unknown
 * fields are ignored, as everywhere in protocol v1 (additive changes).
 */
import { isIP } from 'node:net';
import type { ValidationError } from '@esper/policy';

export const MAX_EVENTS_PER_BATCH = 1000;
/** 1 MiB. */
export const MAX_EVENT_BATCH_BYTES = 1024 * 1024;
/** At most this many problems are listed. */
const MAX_ERRORS = 100;

export interface HybridEvent {
  event_id: string;
  observed_at: string;
  decision_id?: string;
  action: 'allow' | 'challenge' | 'block';
  mode: 'live' | 'monitor';
  policy_id?: string | null;
  mitigation_id?: string | null;
  request: { method: string; path: string; client_ip?: string };
  latency_us?: number;
}

/** When an event may have been observed: not before `earliestMs`, not after `latestMs`. */
export interface EventWindow {
  earliestMs: number;
  latestMs: number;
}

export type EventBatchResult =
  | { ok: true; events: HybridEvent[] }
  | { ok: false; errors: ValidationError[] };

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const EVENT_ID = /^[!-~]{1,128}$/;
const OTHER_ID = /^[!-~]{1,256}$/;
const METHOD = /^[A-Z][A-Z0-9_-]{0,31}$/;
const MAX_PATH = 8192;
/** One day in microseconds: anything longer is not a decision's latency. */
const MAX_LATENCY_US = 86_400_000_000;

type Obj = Record<string, unknown>;
type Report = (path: string, message: string) => void;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkId(obj: Obj, key: string, at: string, report: Report, opts: { nullable: boolean }) {
  const value = obj[key];
  if (value === undefined || (value === null && opts.nullable)) return;
  if (typeof value !== 'string' || !OTHER_ID.test(value)) {
    report(
      `${at}.${key}`,
      `expected${opts.nullable ? ' null or' : ''} 1 to 256 printable ASCII characters (! to ~)`,
    );
  }
}

function checkEnum(obj: Obj, key: string, allowed: readonly string[], at: string, report: Report) {
  if (!allowed.includes(obj[key] as string)) {
    report(`${at}.${key}`, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
}

function checkObservedAt(value: unknown, at: string, window: EventWindow, report: Report) {
  const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    report(at, 'expected an RFC 3339 timestamp such as 2026-03-26T12:00:00.000Z');
  } else if (ms < window.earliestMs) {
    report(
      at,
      'observed more than 24 h ago: events are accepted for 24 h after they were observed',
    );
  } else if (ms > window.latestMs) {
    report(at, 'in the future beyond the allowed clock skew');
  }
}

function checkRequest(value: unknown, at: string, report: Report) {
  if (!isObject(value)) return report(at, 'expected an object');
  if (typeof value.method !== 'string' || !METHOD.test(value.method)) {
    report(`${at}.method`, 'expected an upper-case HTTP method such as GET');
  }
  const path = value.path;
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > MAX_PATH) {
    report(`${at}.path`, `expected a path starting with / of at most ${MAX_PATH} characters`);
  }
  const ip = value.client_ip;
  if (ip !== undefined && (typeof ip !== 'string' || isIP(ip) === 0)) {
    report(`${at}.client_ip`, 'expected an IPv4 or IPv6 address');
  }
}

function checkEvent(value: unknown, at: string, window: EventWindow, report: Report) {
  if (!isObject(value)) return report(at, 'expected an object');
  if (typeof value.event_id !== 'string' || !EVENT_ID.test(value.event_id)) {
    report(`${at}.event_id`, 'expected 1 to 128 printable ASCII characters (! to ~)');
  }
  checkObservedAt(value.observed_at, `${at}.observed_at`, window, report);
  checkId(value, 'decision_id', at, report, { nullable: false });
  checkEnum(value, 'action', ['allow', 'challenge', 'block'], at, report);
  checkEnum(value, 'mode', ['live', 'monitor'], at, report);
  checkId(value, 'policy_id', at, report, { nullable: true });
  checkId(value, 'mitigation_id', at, report, { nullable: true });
  checkRequest(value.request, `${at}.request`, report);
  const latency = value.latency_us;
  if (
    latency !== undefined &&
    (typeof latency !== 'number' ||
      !Number.isFinite(latency) ||
      latency < 0 ||
      latency > MAX_LATENCY_US)
  ) {
    report(`${at}.latency_us`, `expected a number of microseconds from 0 to ${MAX_LATENCY_US}`);
  }
}

export function validateEventBatch(json: unknown, window: EventWindow): EventBatchResult {
  const errors: ValidationError[] = [];
  const report: Report = (path, message) => {
    if (errors.length < MAX_ERRORS) errors.push({ path, message });
  };
  if (!isObject(json)) {
    report('$', 'expected an object with an "events" array');
  } else if (!Array.isArray(json.events)) {
    report('$.events', 'expected an array of events');
  } else if (json.events.length > MAX_EVENTS_PER_BATCH) {
    report('$.events', `at most ${MAX_EVENTS_PER_BATCH} events per batch`);
  } else {
    json.events.forEach((event, i) => {
      checkEvent(event, `$.events[${i}]`, window, report);
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, events: (json as { events: HybridEvent[] }).events };
}
