import type { EnforcementMode } from './config.js';
import {
  DECISION_HEADER,
  DECISION_ID_HEADER,
  DECISION_MODE_HEADER,
  isEsperHeader,
} from './respond.js';

export type DecisionAction = 'allow' | 'challenge' | 'block';
/**
 * `remote`: the runtime answered; `local`: a local decider (hybrid mode) answered; `cache`: a
 * stored answer; `fallback`: the SDK decided alone; `skipped`: route not protected.
 */
export type DecisionSource = 'remote' | 'local' | 'cache' | 'fallback' | 'skipped';
export type FailureReason =
  | 'timeout'
  | 'network'
  | 'bad_status'
  | 'bad_response'
  | 'rate_limited'
  | 'internal'
  /** Hybrid mode: the shared counter store (`@esper/hybrid`'s `store`) failed or timed out. */
  | 'store_unavailable';
/**
 * `invalid_request`: refused by the SDK itself (status 400) because routers disagree on what
 * it names, e.g. a path with a `..` segment; see `hasDotSegment`.
 */
export type DecisionReason =
  | 'runtime'
  | 'local'
  | 'cache'
  | 'excluded'
  | 'invalid_request'
  | FailureReason;
/**
 * Who a runtime answer may be reused for: `client`, any request from the same client key
 * (client IP + user agent) for `ttl_seconds`; `request`, this request only.
 */
export type CacheScope = 'client' | 'request';
export type HeaderPair = [name: string, value: string];

export interface Decision {
  /** What the runtime (or the fallback) decided. */
  action: DecisionAction;
  /** `monitor`: recorded, never enforced. */
  mode: EnforcementMode;
  /** True when the action is applied: `challenge` or `block` in `live` mode. */
  enforced: boolean;
  source: DecisionSource;
  reason: DecisionReason;
  /** The runtime's explanation, or what went wrong. */
  message?: string;
  /** The runtime's HTTP status, for `bad_status`. */
  status?: number;
  decisionId?: string;
  policyId?: string;
  mitigationId?: string;
  ttlSeconds: number;
  challengeUrl?: string;
  /** Headers to add to the response sent to the client (repeated `set-cookie` stay separate). */
  responseHeaders: HeaderPair[];
  /** Headers to add to the request passed on to the application. */
  upstreamHeaders: HeaderPair[];
  clientIp?: string;
  /** Time spent deciding, in milliseconds. */
  latencyMs: number;
  /** Background work (the `onDecision` hook); hand it to `waitUntil` where the platform has one. */
  pending: Promise<void>;
}

/** What `parseRuntimeAnswer` extracts from a 200 response. */
export type RuntimeAnswer = Pick<
  Decision,
  | 'action'
  | 'decisionId'
  | 'policyId'
  | 'mitigationId'
  | 'ttlSeconds'
  | 'challengeUrl'
  | 'responseHeaders'
  | 'upstreamHeaders'
> & {
  mode: EnforcementMode;
  message?: string;
  cacheScope: CacheScope;
  /** Names of runtime headers refused by the field-value grammar, for one warning. */
  droppedHeaders?: string[];
};

const MAX_TTL_SECONDS = 3600;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers a runtime may never set: they would corrupt framing or the SDK's own contract.
const FORBIDDEN_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

function optionalString(v: unknown, max = 256): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v.slice(0, max) : undefined;
}

// The SDK's own decision headers: only it sets them, from the decision.
const OWN_HEADERS = new Set([DECISION_HEADER, DECISION_ID_HEADER, DECISION_MODE_HEADER]);
/**
 * RFC 9110 field-value: visible ASCII and obs-text (0x80–0xFF), with spaces and tabs only
 * between them. A value cut at 4096 characters is checked as cut.
 */
const FIELD_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;

// Ids travel in headers (x-esper-decision-id) and HTML: printable ASCII only.
const ID = /^[\x21-\x7e]{1,256}$/;

function id(v: unknown): string | undefined {
  return typeof v === 'string' && ID.test(v) ? v : undefined;
}

/**
 * `upstream` pairs go to the application, so `x-esper-*` names are allowed there (the client's
 * copies are stripped before they are added) except the SDK's own; a response may carry none.
 */
function headerPairs(v: unknown, label: string, dropped: string[], upstream = false): HeaderPair[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new TypeError(`${label} must be an array of [name, value] pairs`);
  const out: HeaderPair[] = [];
  for (const pair of v.slice(0, 32)) {
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new TypeError(`${label} must be an array of [name, value] pairs`);
    const [name, value] = pair;
    if (typeof name !== 'string' || typeof value !== 'string' || !TOKEN.test(name)) continue;
    const kept = value.length > 4096 ? value.slice(0, 4096) : value;
    if (!FIELD_VALUE.test(kept)) {
      // `Headers` throws on anything outside Latin-1 (`Łódź`) and CR/LF/NUL would inject
      // headers: such a value is dropped here, never left to throw where it is applied.
      dropped.push(name.toLowerCase());
      continue;
    }
    const lower = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(lower) || OWN_HEADERS.has(lower)) continue;
    if (!upstream && isEsperHeader(lower)) continue;
    out.push([lower, kept]);
  }
  return out;
}

/** Parses a runtime 200 body. Throws a TypeError saying what is wrong; the caller maps it to `bad_response`. */
export function parseRuntimeAnswer(text: string): RuntimeAnswer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TypeError('body is not JSON');
  }
  return runtimeAnswerFrom(json);
}

/**
 * A v1 answer object (the 200 body, already parsed) checked and read the way the runtime's
 * are: a local decider's answers go through the same rules, so cloud and hybrid cannot drift.
 */
export function runtimeAnswerFrom(json: unknown): RuntimeAnswer {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new TypeError('body is not a JSON object');
  const o = json as Record<string, unknown>;
  if (o.action !== 'allow' && o.action !== 'challenge' && o.action !== 'block') {
    throw new TypeError(`unknown action ${JSON.stringify(o.action)?.slice(0, 40)}`);
  }
  if (o.mode !== undefined && o.mode !== null && o.mode !== 'live' && o.mode !== 'monitor') {
    throw new TypeError(`unknown mode ${JSON.stringify(o.mode)?.slice(0, 40)}`);
  }
  const ttl =
    typeof o.ttl_seconds === 'number' && Number.isFinite(o.ttl_seconds) ? o.ttl_seconds : 0;
  const challenge = o.challenge as { url?: unknown } | null | undefined;
  const dropped: string[] = [];
  const responseHeaders = headerPairs(o.response_headers, 'response_headers', dropped);
  const upstreamHeaders = headerPairs(o.upstream_headers, 'upstream_headers', dropped, true);
  const answer: RuntimeAnswer = {
    action: o.action,
    mode: o.mode === 'monitor' ? 'monitor' : 'live',
    decisionId: id(o.decision_id),
    policyId: id(o.policy_id),
    mitigationId: id(o.mitigation_id),
    message: optionalString(o.reason),
    ttlSeconds: Math.min(Math.max(0, Math.floor(ttl)), MAX_TTL_SECONDS),
    challengeUrl:
      typeof challenge === 'object' && challenge !== null
        ? optionalString(challenge.url, 4096)
        : undefined,
    responseHeaders,
    upstreamHeaders,
    // Absent means this request only: a runtime that does not say a decision is about the
    // client must not have it applied to everyone behind the same IP and user agent.
    cacheScope: o.cache_scope === 'client' ? 'client' : 'request',
  };
  if (dropped.length > 0) answer.droppedHeaders = dropped;
  return answer;
}
