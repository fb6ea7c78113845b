import type { VerifyResult } from '@esper/core';
import type {
  Action,
  MitigationBody,
  PolicyRuntimeOptions,
  RuntimeDecision,
  RuntimeKey,
  RuntimeLogger,
} from '@esper/runtime';

/** An API key the mock accepts. `apiKey` is the public key id sent in `x-esper-api-key`. */
export type MockKey = RuntimeKey;

export type { Action, MitigationBody };

/** A decision the mock answers with; omitted fields get protocol defaults. */
export interface MockDecision extends RuntimeDecision {
  /** Extra top-level fields, e.g. to check that the client ignores fields it does not know. */
  extra?: Record<string, unknown>;
}

export type MockFault =
  /** Wait `ms`, then answer with `then` (or, without it, `decide` / the default answer). */
  | { fault: 'delay'; ms: number; then?: MockAnswer }
  /** Never answer; the socket stays open until the client aborts or the mock closes. */
  | { fault: 'hang' }
  /** Any status; `body` is sent as is (string) or as JSON (object). */
  | {
      fault: 'status';
      status: number;
      body?: string | Record<string, unknown>;
      headers?: Record<string, string>;
      /** Shorthand for a `Retry-After: <seconds>` header. */
      retryAfter?: number;
    }
  /** 200 with a truncated JSON body. */
  | { fault: 'malformed_json' }
  /** 200 with well-formed JSON whose action is `quarantine`. */
  | { fault: 'unknown_action' }
  /** Headers and part of the body, then the socket is destroyed. */
  | { fault: 'reset' }
  /** 200 with a body of `bytes` (default 1 MiB); `contentLength: false` sends it chunked. */
  | { fault: 'oversized'; bytes?: number; contentLength?: boolean }
  /**
   * 200 headers at once, then a valid allow body one byte every `intervalMs` (default 20);
   * with `totalMs` the interval is chosen so that the whole body takes about `totalMs`.
   */
  | { fault: 'slow_drip'; intervalMs?: number; totalMs?: number };

export type MockAnswer = MockDecision | MockFault;

export type ValueMatcher = string | RegExp;

/** Every given criterion must hold. All of them look at the protected request in the body. */
export interface MatchCriteria {
  /** `request.path`: exact, RegExp, or a glob where `*` matches anything (`'/api/*'`). */
  path?: ValueMatcher;
  method?: ValueMatcher;
  host?: ValueMatcher;
  clientIp?: ValueMatcher;
  /** Raw `request.query` (string / RegExp), or individual parameters. */
  query?: ValueMatcher | Record<string, ValueMatcher>;
  /** `request.headers` by (case-insensitive) name. */
  header?: Record<string, ValueMatcher>;
  /** Tenant `fields`. */
  fields?: Record<string, ValueMatcher>;
  /** The API key id the request was signed with. */
  apiKey?: ValueMatcher;
}

export type MatchFunction = (body: MitigationBody, ctx: DecideContext) => boolean;

export type Matcher = MatchCriteria | MatchFunction;

export interface MockScript {
  /** Omitted: matches every request. */
  match?: Matcher;
  answer: MockAnswer;
  /** Answer at most this many times, then the script is skipped. */
  times?: number;
}

/** A script added to the mock; `hits` counts the requests it answered. */
export interface ScriptHandle {
  readonly hits: number;
  readonly remaining: number;
  remove(): void;
}

export type MockLogger = RuntimeLogger;

export interface DecideContext {
  key: MockKey;
  request: RecordedRequest;
  /** Origin of the mock as the client reached it, e.g. `http://127.0.0.1:43121`. */
  origin: string;
}

export type DecideFunction = (
  body: MitigationBody,
  ctx: DecideContext,
) => MockAnswer | undefined | Promise<MockAnswer | undefined>;

/**
 * The mock's options; `tenants`, `tenantStore`, `challenge`, `decisionTtlSeconds`, `adminToken`
 * (and `now`, `logger`) configure the policy runtime (`@esper/runtime`) it decides tenants with.
 */
export interface MockRuntimeOptions extends PolicyRuntimeOptions {
  /** Default: `[DEFAULT_TEST_KEY]`. */
  keys?: MockKey[];
  /** Scripts tried in order before `decide`. */
  answers?: MockScript[];
  decide?: DecideFunction;
  /** Default: `{ action: 'allow' }`. */
  defaultAnswer?: MockAnswer;
  /** Default 300. */
  signatureToleranceSeconds?: number;
  /** Clock in milliseconds (signature and replay checks). Default `Date.now`. */
  now?: () => number;
  /** Default 32 KiB; larger bodies get 413. */
  maxBodyBytes?: number;
  /** Default true. Off: any JSON object is accepted. */
  validateBody?: boolean;
  /** Default true. Off: a repeated `idempotency_key` is accepted. */
  replayProtection?: boolean;
  /**
   * Live idempotency keys remembered per API key. Keys are kept until their signature expires;
   * past this bound new calls get `429 replay_capacity` (with Retry-After) instead of a key
   * being forgotten. Default 1 000 000.
   */
  maxReplayEntries?: number;
  /** How many requests `requests` keeps (oldest dropped first). Default 1 000. */
  maxRecordedRequests?: number;
  logger?: MockLogger;
}

/** What the mock received on one call and what it did with it. */
export interface RecordedRequest {
  /** Sequence number, from 1. */
  id: number;
  method: string;
  /** Request target as received, query included. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Raw body text (undefined when it was over `maxBodyBytes`). */
  rawBody: string | undefined;
  /** Parsed JSON body when it parsed. */
  body: unknown;
  verification: VerifyResult | undefined;
  /** Set once validation ran; `ok: false` carries the error. */
  validation?: { ok: true } | { ok: false; path: string; message: string };
  /** The answer chosen for this request, when it got that far. */
  answer?: MockAnswer;
  /** Set when the mock started answering. */
  response?: RecordedResponse;
  /**
   * True when the client closed the connection before the response was completely written
   * (a timeout or abort on the client side). Only known when served by `startMockRuntime`.
   */
  aborted?: boolean;
  /** `Date.now()` when the request arrived. */
  receivedAt: number;
  /** `Date.now()` when the answer was sent (or the fault was set off). */
  respondedAt?: number;
}

export interface RecordedResponse {
  status: number;
  /** The body text, when the mock sent a whole body. */
  body?: string;
  /** Set when the response came from a fault. */
  fault?: MockFault['fault'];
}
