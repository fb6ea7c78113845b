/** `createHybrid`'s options, checked once at creation: a bad one throws `EsperConfigError`. */
import {
  EsperConfigError,
  type Logger,
  type RuntimeRequestBody,
  type WebCrypto,
} from '@esper/core';
import { detectRuntime } from '@esper/core/adapter';
import type { PolicyStore } from '@esper/policy';

export interface HybridOptions {
  /** API key id (`x-esper-api-key`); the key must belong to the tenant whose snapshot is synced. */
  apiKey: string;
  /** The key's secret: signs snapshot and event calls (HMAC-SHA256), never sent. */
  secret: string;
  /** Origin. Default `https://api.esperr.com`; `http:` only for loopback. */
  apiBase?: string;
  /**
   * A snapshot to decide with until the first sync succeeds (bundled with the app, or loaded
   * from disk or KV): the same JSON origin serves. Validated here; an invalid one throws.
   */
  bootstrap?: unknown;
  /**
   * The `ETag` origin served `bootstrap` with, if it was saved with it: the first poll sends it
   * as `If-None-Match`. Without it the poll sends `"<version>"`, which origin answers with the
   * whole snapshot again when its ETag says more (a change of clearance keys).
   */
  bootstrapEtag?: string;
  /** Time between `If-None-Match` polls, jittered ±10 %. Default 10 000. */
  pollIntervalMs?: number;
  /** Deadline of one call to origin. Default 10 000. */
  syncTimeoutMs?: number;
  /**
   * `timers`: poll and flush events on timers (Node, Lambda, Bun, Deno). `requests`: only when
   * a decision finds it due, for platforms where timers do not outlive a request. Default
   * `requests` on Cloudflare Workers and Vercel Edge, `timers` elsewhere.
   */
  refresh?: 'timers' | 'requests';
  /**
   * Counters and state of the policies; kept across snapshots. Default `createMemoryStore()`.
   * A store given here (e.g. `@esper/redis`) is shared by every instance and guarded: each
   * call bounded by `storeTimeoutMs`, and a circuit breaker (see `storeBreaker`); a failed call
   * makes the decision a fallback with reason `store_unavailable`.
   */
  store?: PolicyStore;
  /** Longest one store call may take; keep it below `createEsper`'s `timeoutMs`. Default 250. */
  storeTimeoutMs?: number;
  /**
   * The breaker opens when half of the last `window` (default 20) store calls failed, and
   * lets one call probe the store `probeAfterMs` (default 5 000) later.
   */
  storeBreaker?: { window?: number; probeAfterMs?: number };
  /** pino-compatible; default: warnings and errors on the console. */
  logger?: Logger;
  /** Report every local decision to origin. Default true. */
  reportEvents?: boolean;
  /**
   * The challenge page for a local challenge decision. Unset: origin's hosted page, with a
   * ticket signed by this key (docs/hybrid.md, "Challenges"); returning undefined leaves the
   * challenge without a page, and core blocks the request instead.
   */
  challengeUrl?: (decisionId: string, body: RuntimeRequestBody) => string | undefined;
  fetch?: typeof fetch;
  crypto?: WebCrypto;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Uniform in [0, 1): jitter. Default `Math.random`. */
  random?: () => number;
}

export interface ResolvedOptions {
  apiKey: string;
  secret: string;
  apiBase: URL;
  pollIntervalMs: number;
  syncTimeoutMs: number;
  storeTimeoutMs: number;
  storeBreaker: { window: number; probeAfterMs: number };
  timers: boolean;
  fetch: typeof fetch;
  crypto: WebCrypto;
  now: () => number;
  random: () => number;
  logger: Logger;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function apiBaseOf(value: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(value ?? 'https://api.esperr.com');
  } catch {
    throw new EsperConfigError('apiBase', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    throw new EsperConfigError('apiBase', 'must be https: (http: only for loopback)');
  return url;
}

function intIn(name: string, value: number | undefined, fallback: number, min: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > 86_400_000)
    throw new EsperConfigError(name, `must be an integer from ${min} to 86400000`);
  return n;
}

/** Warnings and errors only: hybrid's own chatter (installed snapshots) stays out of the console. */
const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};

/** A logger that throws must not break a decision or a sync. */
function guarded(logger: Logger): Logger {
  const call = (level: keyof Logger) => (obj: object, msg?: string) => {
    try {
      logger[level](obj, msg);
    } catch {}
  };
  return { debug: call('debug'), info: call('info'), warn: call('warn'), error: call('error') };
}

export function resolveOptions(options: HybridOptions): ResolvedOptions {
  for (const name of ['apiKey', 'secret'] as const) {
    if (typeof options?.[name] !== 'string' || options[name] === '')
      throw new EsperConfigError(name, 'is required (a non-empty string)');
  }
  const runtime = detectRuntime();
  const edge = runtime === 'cloudflare-workers' || runtime === 'edge-runtime';
  const refresh = options.refresh ?? (edge ? 'requests' : 'timers');
  if (refresh !== 'timers' && refresh !== 'requests')
    throw new EsperConfigError('refresh', "must be 'timers' or 'requests'");
  const etag = options.bootstrapEtag;
  if (etag !== undefined && !/^(W\/)?"[\x21\x23-\x7e]*"$/.test(etag))
    throw new EsperConfigError('bootstrapEtag', 'must be an entity tag as origin sent it ("…")');
  const store = options.store as unknown as Record<string, unknown> | undefined;
  if (
    store !== undefined &&
    !['incrementWindow', 'countWindow', 'getState', 'setState'].every(
      (m) => typeof store?.[m] === 'function',
    )
  )
    throw new EsperConfigError('store', 'must be a PolicyStore (e.g. createRedisStore())');
  const crypto = options.crypto ?? globalThis.crypto;
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') throw new EsperConfigError('fetch', 'no fetch available');
  if (!crypto?.subtle) throw new EsperConfigError('crypto', 'no WebCrypto available');
  return {
    apiKey: options.apiKey,
    secret: options.secret,
    apiBase: apiBaseOf(options.apiBase),
    pollIntervalMs: intIn('pollIntervalMs', options.pollIntervalMs, 10_000, 10),
    syncTimeoutMs: intIn('syncTimeoutMs', options.syncTimeoutMs, 10_000, 1),
    storeTimeoutMs: intIn('storeTimeoutMs', options.storeTimeoutMs, 250, 1),
    storeBreaker: {
      window: intIn('storeBreaker.window', options.storeBreaker?.window, 20, 2),
      probeAfterMs: intIn(
        'storeBreaker.probeAfterMs',
        options.storeBreaker?.probeAfterMs,
        5_000,
        1,
      ),
    },
    timers: refresh === 'timers',
    // Called unbound: some platforms' fetch throws "Illegal invocation" with another `this`.
    fetch: (input, init) => fetchFn(input, init),
    crypto,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    logger: guarded(options.logger ?? consoleLogger),
  };
}
