import type { EnforcementMode } from './config.js';

export type DecisionAction = 'allow' | 'challenge' | 'block';
/** `remote`: the runtime answered; `cache`: a stored answer; `fallback`: the SDK decided alone; `skipped`: route not protected. */
export type DecisionSource = 'remote' | 'cache' | 'fallback' | 'skipped';
export type FailureReason =
  | 'timeout'
  | 'network'
  | 'bad_status'
  | 'bad_response'
  | 'rate_limited'
  | 'internal';
export type DecisionReason = 'runtime' | 'cache' | 'excluded' | FailureReason;
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
> & { mode: EnforcementMode; message?: string };

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
const OWN_HEADERS = new Set(['x-esper-decision', 'x-esper-decision-id', 'x-esper-mode']);
// Ids travel in headers (x-esper-decision-id) and HTML: printable ASCII only.
const ID = /^[\x21-\x7e]{1,256}$/;

function id(v: unknown): string | undefined {
  return typeof v === 'string' && ID.test(v) ? v : undefined;
}

/**
 * `upstream` pairs go to the application, so `x-esper-*` names are allowed there (the client's
 * copies are stripped before they are added) except the SDK's own; a response may carry none.
 */
function headerPairs(v: unknown, label: string, upstream = false): HeaderPair[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new TypeError(`${label} must be an array of [name, value] pairs`);
  const out: HeaderPair[] = [];
  for (const pair of v.slice(0, 32)) {
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new TypeError(`${label} must be an array of [name, value] pairs`);
    const [name, value] = pair;
    // CR, LF or NUL in a value would let a bad answer inject headers.
    if (
      typeof name !== 'string' ||
      typeof value !== 'string' ||
      !TOKEN.test(name) ||
      /[\r\n\0]/.test(value)
    )
      continue;
    const lower = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(lower) || OWN_HEADERS.has(lower)) continue;
    if (!upstream && lower.startsWith('x-esper-')) continue;
    out.push([name.toLowerCase(), value.slice(0, 4096)]);
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
  return {
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
    responseHeaders: headerPairs(o.response_headers, 'response_headers'),
    upstreamHeaders: headerPairs(o.upstream_headers, 'upstream_headers', true),
  };
}
