import {
  CLIENT_IP_PRESETS,
  ClientIpOptionError,
  type ClientIpOptions,
  type ClientIpResolver,
  createClientIpResolver,
} from './client-ip.js';
import type { Decision } from './decision.js';
import { EsperConfigError } from './errors.js';
import type { LocalDecider } from './local-decider.js';
import type { Logger } from './logger.js';
import {
  compileRoutes,
  EXACT_ROUTING,
  type RouteMatcher,
  type RoutePattern,
  type Routing,
  type StaticAssets,
} from './routes.js';
import type { SignerFactory } from './signing.js';
import type { Transport } from './transport.js';

export type EnforcementMode = 'live' | 'monitor';
export type FailMode = 'open' | 'closed';
export type TenantFields = Record<string, string | number | boolean | null | undefined>;

export interface EsperOptions {
  /** API key id, sent as `x-esper-api-key`. Env: `ESPER_API_KEY`. */
  apiKey?: string;
  /** The key's shared secret; signs requests and never leaves the process. Env: `ESPER_API_SECRET`. */
  secret?: string;
  /** Runtime base URL. Env: `ESPER_API_BASE`. Default `https://api.esperr.com`. */
  apiBase?: string;
  /** `monitor` records decisions and never enforces them. Env: `ESPER_MODE`. Default `live`. */
  mode?: EnforcementMode;
  /** Budget for one decision, connect to last byte, 1–60000 ms. Env: `ESPER_TIMEOUT_MS`. Default 300. */
  timeoutMs?: number;
  /**
   * Runtime calls in flight at once, per client (1–10000). The rest wait for a slot until their
   * deadline: against a runtime that hangs under a burst, starting every call would spend the
   * event loop on sockets that cannot answer in time. Default 64.
   */
  maxInFlight?: number;
  /** What happens when no decision arrives in time. Env: `ESPER_FAIL_MODE`. Default `open`. */
  failMode?: FailMode;
  /** Routes that fail closed (block) whatever `failMode` says. */
  failClosedRoutes?: readonly RoutePattern[];
  /** Only these routes are protected (default: all). */
  include?: readonly RoutePattern[];
  /** These routes are never protected. */
  exclude?: readonly RoutePattern[];
  /**
   * Skip, on GET and HEAD, paths no application route serves: framework build output
   * (`/_next/static/…`, `/_next/image`) and `/favicon.ico`, `/robots.txt`, `/sitemap.xml`.
   * `'by-extension'` also skips any path ending in `.css`, `.js`, an image or font extension…
   * — only safe when no route with a parameter or wildcard serves such a path (`/panel/:file`
   * would serve `/panel/x.css` unchecked). A path matched by `include` or `failClosedRoutes`
   * is always decided. Default true.
   */
  excludeStaticAssets?: StaticAssets;
  /**
   * How your router matches paths, so rules meet every spelling it serves from one handler.
   * Express (case-insensitive and non-strict by default) sets `{ caseSensitive: false,
   * strict: false }`; then the path is matched and sent to the runtime lower-cased and without
   * one trailing slash. Default (Web-standard routers): both true, exact paths.
   */
  routing?: Partial<Routing>;
  /** How the client IP is found. Env: `ESPER_TRUSTED_PROXIES` (comma-separated). */
  clientIp?: ClientIpOptions;
  /** Tenant fields (email, account_id, …) to send with the request. */
  fields?: (request: Request) => TenantFields | undefined | Promise<TenantFields | undefined>;
  /** Decision cache; `false` turns it off. */
  cache?: false | { maxEntries?: number; cacheAllow?: boolean };
  /**
   * Origins the SDK may redirect a browser to for a challenge, besides `apiBase`'s (e.g.
   * Esper's origin when `apiBase` is a local `esper run`). Env: `ESPER_CHALLENGE_ORIGINS`
   * (comma-separated).
   */
  challengeOrigins?: readonly string[];
  /** Custom responses for enforced decisions. */
  responses?: {
    block?: (decision: Decision, request: Request) => Response | Promise<Response>;
    challenge?: (decision: Decision, request: Request) => Response | Promise<Response>;
  };
  /** pino-compatible logger (`debug/info/warn/error(obj, msg)`). Default: silent. */
  logger?: Logger;
  /** Called in the background with every decision; errors are logged, never thrown. */
  onDecision?: (decision: Decision, request: Request) => void | Promise<void>;
  /** Allow an `http:` apiBase that is not loopback. Default false. */
  allowInsecureApiBase?: boolean;
  /**
   * Where `ESPER_*` variables are read from: `process.env` by default, or a platform's
   * bindings object (string, number and boolean values are read; anything else is ignored).
   */
  env?: Record<string, unknown>;
  /**
   * Hybrid mode: decide in process with a local decider (`@esper/hybrid`) instead of calling
   * the runtime. Decisions then have `source: 'local'`. Default: none (cloud mode).
   */
  decider?: LocalDecider;
  /** Transport to the runtime. Default: `fetch`. */
  transport?: Transport;
  fetch?: typeof fetch;
  crypto?: import('./web-types.js').WebCrypto;
  /**
   * How runtime calls are signed. Default: WebCrypto (`crypto.subtle`) from `crypto`. Node
   * adapters pass `nodeSigner` from `@esper/core/node` (node:crypto, synchronous, several
   * times cheaper per request than WebCrypto on Node 20).
   */
  signer?: SignerFactory;
  /** Clock in milliseconds. */
  now?: () => number;
  /** Set by adapters: the runtime name reported in `source.runtime`. */
  runtime?: string;
  /** Set by adapters: the package reported in `source.sdk`. */
  sdk?: { name: string; version: string };
}

export interface ResolvedConfig {
  apiKey: string;
  secret: string;
  endpoint: URL;
  allowedRedirectOrigins: Set<string>;
  mode: EnforcementMode;
  timeoutMs: number;
  maxInFlight: number;
  failMode: FailMode;
  failClosed?: RouteMatcher;
  include?: RouteMatcher;
  exclude?: RouteMatcher;
  excludeStaticAssets: StaticAssets;
  routing: Routing;
  resolveClientIp: ClientIpResolver;
  cache: false | { maxEntries: number; cacheAllow: boolean };
}

export const DEFAULT_API_BASE = 'https://api.esperr.com';
export const RUNTIME_PATH = '/api/v1/runtime/mitigation';
/** Every option, checked against `EsperOptions` by the compiler: one list, never out of date. */
const OPTION_NAMES: Record<keyof EsperOptions, true> = {
  apiKey: true,
  secret: true,
  apiBase: true,
  mode: true,
  timeoutMs: true,
  maxInFlight: true,
  failMode: true,
  failClosedRoutes: true,
  include: true,
  exclude: true,
  excludeStaticAssets: true,
  routing: true,
  clientIp: true,
  fields: true,
  cache: true,
  challengeOrigins: true,
  responses: true,
  logger: true,
  onDecision: true,
  allowInsecureApiBase: true,
  env: true,
  decider: true,
  transport: true,
  fetch: true,
  crypto: true,
  signer: true,
  now: true,
  runtime: true,
  sdk: true,
};
const KNOWN_OPTIONS = new Set(Object.keys(OPTION_NAMES));

/** Every default in one place. */
export const DEFAULTS = {
  timeoutMs: 300,
  maxInFlight: 64,
  mode: 'live',
  failMode: 'open',
  excludeStaticAssets: true,
  cacheEntries: 10_000,
} as const;

function readEnv(source: Record<string, unknown> | undefined): Record<string, string | undefined> {
  const raw =
    source ?? (globalThis as { process?: { env?: Record<string, unknown> } }).process?.env ?? {};
  const vars: Record<string, string | undefined> = {};
  for (const name of Object.keys(raw)) {
    if (!name.startsWith('ESPER_')) continue;
    const value = raw[name];
    // Workers bindings also hold KV namespaces and services; only plain values are settings.
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      vars[name] = String(value);
  }
  return vars;
}

function oneOf<T extends string>(
  option: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new EsperConfigError(
    option,
    `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got "${value}"`,
  );
}

function isLoopback(hostname: string) {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function parseOrigin(option: string, value: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EsperConfigError(option, `"${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new EsperConfigError(option, `must be an http(s) URL, got "${url.protocol}"`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !allowInsecure) {
    throw new EsperConfigError(
      option,
      `"${value}" is not https (set allowInsecureApiBase to allow http)`,
    );
  }
  if (url.username || url.password)
    throw new EsperConfigError(option, 'must not contain credentials');
  return url;
}

function clientIpResolver(
  options: ClientIpOptions | undefined,
  env: Record<string, string | undefined>,
): ClientIpResolver {
  const ipOptions: ClientIpOptions = { ...options };
  if (ipOptions.preset !== undefined && !CLIENT_IP_PRESETS.includes(ipOptions.preset)) {
    throw new EsperConfigError(
      'clientIp.preset',
      `expected one of ${CLIENT_IP_PRESETS.join(', ')}, got "${ipOptions.preset}"`,
    );
  }
  if (!ipOptions.trustedProxies && env.ESPER_TRUSTED_PROXIES) {
    ipOptions.trustedProxies = env.ESPER_TRUSTED_PROXIES.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  try {
    return createClientIpResolver(ipOptions);
  } catch (err) {
    const option =
      err instanceof ClientIpOptionError && err.option === 'clientIp.trustedHeader'
        ? err.option
        : 'clientIp.trustedProxies';
    throw new EsperConfigError(option, (err as Error).message);
  }
}

function resolveCache(option: EsperOptions['cache']): ResolvedConfig['cache'] {
  if (option === false) return false;
  const maxEntries = option?.maxEntries ?? DEFAULTS.cacheEntries;
  if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 1_000_000) {
    throw new EsperConfigError(
      'cache.maxEntries',
      `must be a whole number from 1 to 1000000, got ${maxEntries}`,
    );
  }
  return { maxEntries, cacheAllow: option?.cacheAllow ?? false };
}

function staticAssets(value: EsperOptions['excludeStaticAssets']): StaticAssets {
  if (value === undefined) return DEFAULTS.excludeStaticAssets;
  if (value === true || value === false || value === 'by-extension') return value;
  throw new EsperConfigError(
    'excludeStaticAssets',
    `expected true, false or "by-extension", got ${JSON.stringify(value)?.slice(0, 40)}`,
  );
}

function resolveRouting(routing: Partial<Routing> | undefined): Routing {
  if (routing === undefined) return EXACT_ROUTING;
  if (typeof routing !== 'object' || routing === null)
    throw new EsperConfigError(
      'routing',
      "expected { caseSensitive?: boolean, strict?: boolean, ambiguousSlashes?: 'refuse' | 'keep' }",
    );
  const resolved: Routing = { ...EXACT_ROUTING };
  for (const [key, value] of Object.entries(routing)) {
    if (value === undefined) continue;
    if (key === 'caseSensitive' || key === 'strict') {
      if (typeof value !== 'boolean')
        throw new EsperConfigError(`routing.${key}`, 'must be a boolean');
      resolved[key] = value;
    } else if (key === 'ambiguousSlashes') {
      resolved.ambiguousSlashes = oneOf(
        'routing.ambiguousSlashes',
        String(value),
        ['refuse', 'keep'] as const,
        'keep',
      );
    } else {
      throw new EsperConfigError(`routing.${key}`, 'unknown option');
    }
  }
  return resolved;
}

/** Validates options once, at start-up, so a bad deployment fails loudly instead of per request. */
export function resolveConfig(options: EsperOptions = {}): ResolvedConfig {
  if (typeof options !== 'object' || options === null) {
    throw new EsperConfigError('options', 'expected an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new EsperConfigError(key, 'unknown option');
  }
  const env = readEnv(options.env);
  const apiKey = options.apiKey ?? env.ESPER_API_KEY;
  if (!apiKey || typeof apiKey !== 'string') {
    throw new EsperConfigError('apiKey', 'required (pass apiKey or set ESPER_API_KEY)');
  }
  const secret = options.secret ?? env.ESPER_API_SECRET;
  if (!secret || typeof secret !== 'string') {
    throw new EsperConfigError('secret', 'required (pass secret or set ESPER_API_SECRET)');
  }
  const allowInsecure = options.allowInsecureApiBase ?? false;
  const apiBase = options.apiBase ?? env.ESPER_API_BASE ?? DEFAULT_API_BASE;
  const base = parseOrigin(options.apiBase ? 'apiBase' : 'ESPER_API_BASE', apiBase, allowInsecure);
  // Concatenated onto the origin: a base path of "//" must not become a protocol-relative URL.
  const endpoint = new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}${RUNTIME_PATH}`);

  const timeoutSource = options.timeoutMs ?? env.ESPER_TIMEOUT_MS;
  const timeoutMs =
    timeoutSource === undefined || timeoutSource === ''
      ? DEFAULTS.timeoutMs
      : Number(timeoutSource);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
    throw new EsperConfigError(
      'timeoutMs',
      `must be a whole number of milliseconds from 1 to 60000, got ${String(timeoutSource)}`,
    );
  }

  const maxInFlight = options.maxInFlight ?? DEFAULTS.maxInFlight;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > 10_000) {
    throw new EsperConfigError(
      'maxInFlight',
      `must be a whole number from 1 to 10000, got ${String(options.maxInFlight)}`,
    );
  }

  const mode = oneOf(
    'mode',
    options.mode ?? env.ESPER_MODE,
    ['live', 'monitor'] as const,
    DEFAULTS.mode,
  );
  const failMode = oneOf(
    'failMode',
    options.failMode ?? env.ESPER_FAIL_MODE,
    ['open', 'closed'] as const,
    DEFAULTS.failMode,
  );

  const resolveClientIp = clientIpResolver(options.clientIp, env);

  const allowedRedirectOrigins = new Set([base.origin]);
  const fromEnv = options.challengeOrigins ? undefined : env.ESPER_CHALLENGE_ORIGINS;
  const origins = fromEnv?.split(',').map((o) => o.trim()) ?? options.challengeOrigins ?? [];
  for (const origin of origins) {
    if (origin === '' && fromEnv !== undefined) continue;
    const option = fromEnv === undefined ? 'challengeOrigins' : 'ESPER_CHALLENGE_ORIGINS';
    allowedRedirectOrigins.add(parseOrigin(option, origin, true).origin);
  }

  const cache = resolveCache(options.cache);

  if (options.decider !== undefined && typeof options.decider?.decide !== 'function')
    throw new EsperConfigError('decider', 'must be an object with a decide(body) method');
  for (const fn of ['fields', 'onDecision', 'fetch', 'now', 'signer'] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== 'function') {
      throw new EsperConfigError(fn, 'must be a function');
    }
  }

  const routing = resolveRouting(options.routing);
  const routes = (option: string, patterns: readonly RoutePattern[] | undefined) => {
    try {
      return compileRoutes(patterns, option, routing);
    } catch (err) {
      throw new EsperConfigError(option, (err as Error).message);
    }
  };

  return {
    apiKey,
    secret,
    endpoint,
    allowedRedirectOrigins,
    mode,
    timeoutMs,
    maxInFlight,
    failMode,
    failClosed: routes('failClosedRoutes', options.failClosedRoutes),
    include: routes('include', options.include),
    exclude: routes('exclude', options.exclude),
    excludeStaticAssets: staticAssets(options.excludeStaticAssets),
    routing,
    resolveClientIp,
    cache,
  };
}
