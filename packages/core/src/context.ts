import type { TenantFields } from './config.js';
import type { Logger } from './logger.js';
import { isEsperHeader } from './respond.js';
import { keepEnd, keepStart } from './truncate.js';

export interface Geo {
  country?: string;
  region?: string;
  city?: string;
  latitude?: string;
  longitude?: string;
  asn?: number;
  [extra: string]: string | number | boolean | undefined;
}

/** The wire body of protocol v1; see docs/protocol.md. */
export interface RuntimeRequestBody {
  observed_at: string;
  idempotency_key: string;
  request_id?: string;
  request: {
    method: string;
    scheme: string;
    host: string;
    path: string;
    query?: string;
    client_ip?: string;
    user_agent?: string;
    headers: Record<string, string>;
    headers_dropped?: number;
    redacted_headers?: Record<string, { length: number; names?: string[] }>;
  };
  return_url: string;
  fields?: Record<string, string>;
  clearance?: string;
  geo?: Geo;
  source: { sdk: string; version: string; runtime: string };
}

export const CLEARANCE_NAME = 'esper_clearance';
export const LIMITS = {
  userAgent: 768,
  referer: 1024,
  pathAndQuery: 2048,
  forwardedFor: 512,
  headerValue: 512,
  headerCount: 64,
  headerBytes: 16_384,
  fieldCount: 32,
  fieldValue: 1024,
  fieldBytes: 8192,
  clearance: 1024,
  returnUrl: 4096,
  cookieNames: 32,
} as const;

const REDACTED = new Set(['cookie', 'authorization', 'proxy-authorization']);
const NEVER_SENT = new Set([
  'set-cookie',
  'x-api-key',
  'connection',
  'keep-alive',
  'te',
  'upgrade',
  'proxy-connection',
  'transfer-encoding',
]);
const FIELD_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const RESERVED_FIELD =
  /^(?:request_|geo_|sdk_|clearance_)|^(?:client_ip|ip|user_agent|referer|source_id|trust_level)$/;

function headerLimit(name: string) {
  if (name === 'user-agent') return LIMITS.userAgent;
  if (name === 'referer') return LIMITS.referer;
  return LIMITS.headerValue;
}

function cookieNames(cookie: string): string[] {
  const names: string[] = [];
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    // A part without "=" is a nameless cookie: what it holds is a value, never sent.
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name && names.length < LIMITS.cookieNames) names.push(keepStart(name, 64));
  }
  return names;
}

function readCookie(cookie: string | null, name: string): string | undefined {
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sanitizeFields(
  input: TenantFields | undefined,
  logger: Logger,
): Record<string, string> | undefined {
  if (!input || typeof input !== 'object') return undefined;
  const out: Record<string, string> = {};
  let count = 0;
  let bytes = 0;
  // One warning per call, not per name: a callback returning thousands of bad names must not
  // turn into thousands of log lines per request.
  let badNames = 0;
  let firstBad = '';
  for (const [name, raw] of Object.entries(input)) {
    if (raw === null || raw === undefined) continue;
    if (!FIELD_NAME.test(name) || RESERVED_FIELD.test(name)) {
      if (badNames++ === 0) firstBad = name.slice(0, 64);
      continue;
    }
    if (count >= LIMITS.fieldCount) break;
    const value = keepStart(String(raw), LIMITS.fieldValue);
    if (bytes + name.length + value.length > LIMITS.fieldBytes) break;
    out[name] = value;
    count++;
    bytes += name.length + value.length;
  }
  if (badNames > 0) {
    logger.warn(
      { field: firstBad, dropped: badNames },
      'esper: tenant fields dropped (invalid or reserved names)',
    );
  }
  return count > 0 ? out : undefined;
}

export interface ContextInput {
  request: Request;
  url: URL;
  /** The path as the application's router matches it (`routePath`). */
  path: string;
  clientIp?: string;
  fields?: Record<string, string>;
  geo?: Geo;
  requestId?: string;
  idempotencyKey: string;
  observedAt: number;
  source: RuntimeRequestBody['source'];
}

export function buildRequestBody(input: ContextInput): RuntimeRequestBody {
  const { request, url } = input;
  const headers: Record<string, string> = {};
  const redacted: Record<string, { length: number; names?: string[] }> = {};
  let kept = 0;
  let dropped = 0;
  let bytes = 0;
  request.headers.forEach((value, name) => {
    if (NEVER_SENT.has(name) || isEsperHeader(name)) return;
    if (REDACTED.has(name)) {
      redacted[name] =
        name === 'cookie'
          ? { length: value.length, names: cookieNames(value) }
          : { length: value.length };
      return;
    }
    const v =
      name === 'x-forwarded-for'
        ? keepEnd(value, LIMITS.forwardedFor)
        : keepStart(value, headerLimit(name));
    if (kept >= LIMITS.headerCount || bytes + name.length + v.length > LIMITS.headerBytes) {
      dropped++;
      return;
    }
    headers[name] = v;
    kept++;
    bytes += name.length + v.length;
  });

  const clearance =
    url.searchParams.get(CLEARANCE_NAME) ??
    readCookie(request.headers.get('cookie'), CLEARANCE_NAME) ??
    undefined;
  const path = keepStart(input.path, LIMITS.pathAndQuery);
  const query =
    url.search.length > 1 ? keepStart(url.search.slice(1), LIMITS.pathAndQuery - path.length) : '';
  const userAgent = request.headers.get('user-agent');

  const body: RuntimeRequestBody = {
    observed_at: new Date(input.observedAt).toISOString(),
    idempotency_key: input.idempotencyKey,
    request: {
      method: request.method.toUpperCase(),
      scheme: url.protocol.slice(0, -1),
      host: keepStart(url.host, 255),
      path,
      headers,
    },
    return_url: keepStart(url.href, LIMITS.returnUrl),
    source: input.source,
  };
  if (input.requestId) body.request_id = keepStart(input.requestId, 200);
  if (query) body.request.query = query;
  if (input.clientIp) body.request.client_ip = input.clientIp;
  if (userAgent) body.request.user_agent = keepStart(userAgent, LIMITS.userAgent);
  if (dropped > 0) body.request.headers_dropped = dropped;
  if (Object.keys(redacted).length > 0) body.request.redacted_headers = redacted;
  if (input.fields) body.fields = input.fields;
  if (clearance && clearance.length <= LIMITS.clearance) body.clearance = clearance;
  if (input.geo && Object.keys(input.geo).length > 0) body.geo = input.geo;
  return body;
}

/** The runtime refuses larger bodies (413); protocol.md promises the SDK never sends one. */
export const MAX_BODY_BYTES = 32 * 1024;
const encoder = new TextEncoder();

/**
 * The body as sent. The limits above count characters, but JSON escaping (`"` → `\"`, control
 * characters → `\u0000`) and UTF-8 can make the bytes several times that; a client choosing its
 * headers must not be able to push the body past the runtime's cap (and so into a fallback).
 * Headers go first, largest first, then fields, then the long URL-derived strings.
 */
export function serializeBody(body: RuntimeRequestBody): string {
  let text = JSON.stringify(body);
  // UTF-8 needs at most 3 bytes per UTF-16 code unit: short bodies need no count.
  if (text.length * 3 <= MAX_BODY_BYTES) return text;
  const fits = () => encoder.encode(text).length <= MAX_BODY_BYTES;
  const { request } = body;
  while (!fits()) {
    const names = Object.keys(request.headers);
    if (names.length > 0) {
      const largest = names.reduce((a, b) =>
        request.headers[a]!.length >= request.headers[b]!.length ? a : b,
      );
      delete request.headers[largest];
      request.headers_dropped = (request.headers_dropped ?? 0) + 1;
    } else if (body.fields) {
      delete body.fields;
    } else if (request.redacted_headers?.cookie?.names) {
      delete request.redacted_headers.cookie.names;
    } else if (request.query || request.user_agent || body.clearance) {
      delete request.query;
      delete body.clearance;
      if (request.user_agent) request.user_agent = keepStart(request.user_agent, 64);
    } else {
      // Only the path is left: it bounds return_url and path to what fits.
      body.return_url = keepStart(body.return_url, 256);
      request.path = keepStart(request.path, 256);
      request.host = keepStart(request.host, 64);
      text = JSON.stringify(body);
      break;
    }
    text = JSON.stringify(body);
  }
  return text;
}
