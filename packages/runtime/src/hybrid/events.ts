/**
 * The body of `POST /api/v1/hybrid/events`: decisions a hybrid runtime made locally. Every
 * event is checked and every problem reported with its JSON path; one bad event refuses the
 * whole batch, so a daemon never has to work out which part of a batch was taken. Unknown
 * fields are ignored, as everywhere in protocol v1 (additive changes).
 */
import { isIP } from 'node:net';
import type { ValidationError } from '@esper/policy';

export const MAX_EVENTS_PER_BATCH = 1000;
/** In the columnar form (a tenth of the bytes an event takes as a row). */
export const MAX_COLUMN_EVENTS_PER_BATCH = 10_000;
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
  if (isObject(json) && json.columns !== undefined && json.events === undefined) {
    // The columnar form (below): expanded, then checked event by event as rows are,
    // each problem reported at its column (`$.columns.path[3]`).
    const events = expandColumns(json.columns, report);
    events?.forEach((event, i) => {
      checkEvent(event, `$.events[${i}]`, window, (path, message) =>
        report(columnPath(path), message),
      );
    });
    if (errors.length > 0 || !events) return { ok: false, errors };
    return { ok: true, events };
  }
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

/**
 * The columnar form of a batch (docs/protocol.md), what `@esper/hybrid` sends: one array per
 * field, repeated strings (action, mode, policy and mitigation ids, method) as indexes into
 * `strings`, event ids as a shared prefix and a counter, times as milliseconds. Each column's
 * problems are reported at its own path; the events it expands to are checked as rows are.
 */
const INDEXED = ['action', 'mode', 'policy_id', 'mitigation_id', 'method'] as const;
const OPTIONAL = ['decision_id', 'client_ip', 'latency_us'] as const;
const COLUMNS = ['event_seq', 'observed_at_ms', 'path', ...INDEXED, ...OPTIONAL] as const;
/** Event ids are the prefix and the counter in 12 hex digits: at most 2^48 - 1. */
const MAX_SEQ = 2 ** 48 - 1;

function deltas(column: unknown[], at: string, report: Report, max: number): number[] {
  const out: number[] = [];
  let sum = 0;
  column.forEach((d, i) => {
    sum += typeof d === 'number' && Number.isSafeInteger(d) ? d : Number.NaN;
    if (!(sum >= 0 && sum <= max)) report(`${at}[${i}]`, `expected integers summing to 0..${max}`);
    out.push(sum);
  });
  return out;
}

/** The string at `index`; `false` (refused by every check that reads it) when there is none. */
function stringAt(strings: unknown[], index: unknown, nullable: boolean): unknown {
  if (index === -1 && nullable) return null;
  const s = Number.isInteger(index) ? strings[index as number] : undefined;
  return typeof s === 'string' ? s : false;
}

export function expandColumns(json: unknown, report: Report): HybridEvent[] | undefined {
  if (!isObject(json)) return void report('$.columns', 'expected an object');
  const c = json as Record<string, unknown[]>;
  if (typeof json.event_id_prefix !== 'string') {
    report('$.columns.event_id_prefix', 'expected a string');
  }
  const strings = json.strings;
  if (!Array.isArray(strings)) report('$.columns.strings', 'expected an array');
  const n = Array.isArray(c.event_seq) ? c.event_seq.length : -1;
  if (n > MAX_COLUMN_EVENTS_PER_BATCH) {
    report('$.columns', `at most ${MAX_COLUMN_EVENTS_PER_BATCH} events per batch`);
  }
  for (const key of COLUMNS) {
    const column = c[key];
    const optional = (OPTIONAL as readonly string[]).includes(key);
    if (column === undefined && optional) continue;
    if (!Array.isArray(column) || column.length !== n) {
      report(`$.columns.${key}`, 'expected an array, as long as event_seq');
    }
  }
  if (n < 0 || n > MAX_COLUMN_EVENTS_PER_BATCH || !Array.isArray(strings)) return undefined;
  const seqs = deltas(c.event_seq as unknown[], '$.columns.event_seq', report, MAX_SEQ);
  const times = deltas(c.observed_at_ms as unknown[], '$.columns.observed_at_ms', report, 8.64e15);
  const prefix = json.event_id_prefix as string;
  const events: HybridEvent[] = [];
  for (let i = 0; i < n; i++) {
    const seq = seqs[i] as number;
    const ms = times[i] as number;
    const request: Obj = { method: stringAt(strings, c.method?.[i], false), path: c.path?.[i] };
    const ip = c.client_ip?.[i];
    if (ip !== undefined && ip !== null) request.client_ip = ip;
    const event: Obj = {
      event_id: `${prefix}${Number.isSafeInteger(seq) ? seq.toString(16).padStart(12, '0') : ''}`,
      observed_at: ms >= 0 && ms <= 8.64e15 ? new Date(ms).toISOString() : null,
      action: stringAt(strings, c.action?.[i], false),
      mode: stringAt(strings, c.mode?.[i], false),
      policy_id: stringAt(strings, c.policy_id?.[i], true),
      mitigation_id: stringAt(strings, c.mitigation_id?.[i], true),
      request,
    };
    const decision = c.decision_id?.[i];
    if (decision !== undefined && decision !== null) event.decision_id = decision;
    const latency = c.latency_us?.[i];
    if (latency !== undefined && latency !== null) event.latency_us = latency;
    events.push(event as unknown as HybridEvent);
  }
  return events;
}

/** `$.events[3].request.method` → `$.columns.method[3]`: where a columnar event's problem is. */
export function columnPath(path: string): string {
  const m = /^\$\.events\[(\d+)\](?:\.request)?(?:\.(\w+))?/.exec(path);
  if (!m) return path;
  const field = m[2] ?? 'event_seq';
  const column =
    field === 'event_id' ? 'event_seq' : field === 'observed_at' ? 'observed_at_ms' : field;
  return `$.columns.${column}[${m[1]}]`;
}
