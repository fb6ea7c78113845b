import { isIP } from 'node:net';

/**
 * Checks a parsed body against protocol v1 and the limits of field-model.md. It is
 * deliberately stricter than a forgiving server: the mock runs it to catch SDK bugs, so anything
 * the SDK promises never to send (cookie values, its own headers, over-long values) is an
 * error. Unknown fields are accepted, as v1 is additive.
 */

export type ValidationResult = { ok: true } | { ok: false; path: string; message: string };

class Invalid extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const METHOD = /^[A-Z][A-Z0-9_-]*$/;
const SCHEME = /^[a-z][a-z0-9+.-]*$/;
const FIELD_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const RESERVED_FIELD =
  /^(request_|geo_|sdk_|clearance_)|^(client_ip|ip|user_agent|referer|source_id|trust_level)$/;
/**
 * Headers the SDK must leave out of `request.headers` (field-model.md, "What is never sent").
 * These lists and limits restate the field model instead of importing core's: this is an
 * independent check of the SDK, and sharing its constants would hide a bug in them.
 */
const FORBIDDEN_HEADERS = new Set([
  'cookie',
  'authorization',
  'proxy-authorization',
  'set-cookie',
  'x-api-key',
  'connection',
  'keep-alive',
  'te',
  'upgrade',
  'proxy-connection',
  'transfer-encoding',
]);
const HEADER_VALUE_LIMITS: Record<string, number> = { 'user-agent': 768, referer: 1024 };
const DEFAULT_HEADER_VALUE_LIMIT = 512;
const MAX_HEADERS = 64;
const MAX_PATH_AND_QUERY = 2048;
const MAX_FIELDS = 32;
const MAX_FIELD_VALUE = 1024;
const MAX_CLEARANCE = 1024;

/** `$.a.b`, or `$.a["x-y"]` when the key is not an identifier. */
export function childPath(parent: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
    ? `${parent}.${key}`
    : `${parent}[${JSON.stringify(key)}]`;
}

type Obj = Record<string, unknown>;

function object(value: unknown, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid(path, 'expected an object');
  }
  return value as Obj;
}

interface StringRules {
  max?: number;
  nonEmpty?: boolean;
}

function optionalString(obj: Obj, key: string, path: string, rules: StringRules = {}) {
  const p = childPath(path, key);
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Invalid(p, 'expected a string');
  if (rules.nonEmpty && value.length === 0) throw new Invalid(p, 'expected a non-empty string');
  if (rules.max !== undefined && value.length > rules.max) {
    throw new Invalid(p, `expected at most ${rules.max} characters, got ${value.length}`);
  }
  return value;
}

function string(obj: Obj, key: string, path: string, rules: StringRules = {}): string {
  const value = optionalString(obj, key, path, rules);
  if (value === undefined)
    throw new Invalid(childPath(path, key), 'is required (expected a string)');
  return value;
}

function nonNegativeInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Invalid(path, 'expected a non-negative integer');
  }
  return value;
}

function validateHeaders(value: unknown, path: string): void {
  const headers = object(value, path);
  const names = Object.keys(headers);
  if (names.length > MAX_HEADERS) {
    throw new Invalid(path, `expected at most ${MAX_HEADERS} headers, got ${names.length}`);
  }
  for (const name of names) {
    const p = childPath(path, name);
    if (name !== name.toLowerCase()) throw new Invalid(p, 'expected a lower-case header name');
    if (FORBIDDEN_HEADERS.has(name) || name.startsWith('x-esper-')) {
      throw new Invalid(p, 'this header must never be sent (see field-model.md)');
    }
    const limit = HEADER_VALUE_LIMITS[name] ?? DEFAULT_HEADER_VALUE_LIMIT;
    string(headers, name, path, { max: limit });
  }
}

function validateRedacted(value: unknown, path: string): void {
  const redacted = object(value, path);
  for (const name of Object.keys(redacted)) {
    const p = childPath(path, name);
    const entry = object(redacted[name], p);
    nonNegativeInteger(entry.length, childPath(p, 'length'));
    if (entry.names !== undefined) {
      const names = entry.names;
      if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
        throw new Invalid(childPath(p, 'names'), 'expected an array of strings');
      }
    }
    for (const key of Object.keys(entry)) {
      if (key !== 'length' && key !== 'names') {
        throw new Invalid(childPath(p, key), 'redacted headers carry only length and names');
      }
    }
  }
}

function validateRequest(value: unknown, path: string): void {
  const req = object(value, path);
  const method = string(req, 'method', path);
  if (!METHOD.test(method))
    throw new Invalid(`${path}.method`, 'expected an upper-case HTTP method');
  const scheme = string(req, 'scheme', path);
  if (!SCHEME.test(scheme))
    throw new Invalid(`${path}.scheme`, 'expected a lower-case URL scheme such as https');
  string(req, 'host', path, { nonEmpty: true });
  const reqPath = string(req, 'path', path);
  if (!reqPath.startsWith('/'))
    throw new Invalid(`${path}.path`, "expected a path starting with '/'");
  const query = optionalString(req, 'query', path);
  if (query?.startsWith('?'))
    throw new Invalid(`${path}.query`, "expected the query without its leading '?'");
  if (reqPath.length + (query?.length ?? 0) > MAX_PATH_AND_QUERY) {
    throw new Invalid(
      `${path}.query`,
      `path and query together exceed ${MAX_PATH_AND_QUERY} characters`,
    );
  }
  const ip = optionalString(req, 'client_ip', path);
  if (ip !== undefined && isIP(ip) === 0)
    throw new Invalid(`${path}.client_ip`, 'expected an IPv4 or IPv6 address');
  optionalString(req, 'user_agent', path, { max: HEADER_VALUE_LIMITS['user-agent'] });
  if (req.headers === undefined)
    throw new Invalid(`${path}.headers`, 'is required (expected an object)');
  validateHeaders(req.headers, `${path}.headers`);
  if (req.headers_dropped !== undefined)
    nonNegativeInteger(req.headers_dropped, `${path}.headers_dropped`);
  if (req.redacted_headers !== undefined)
    validateRedacted(req.redacted_headers, `${path}.redacted_headers`);
}

function validateFields(value: unknown, path: string): void {
  const fields = object(value, path);
  const names = Object.keys(fields);
  if (names.length > MAX_FIELDS)
    throw new Invalid(path, `expected at most ${MAX_FIELDS} fields, got ${names.length}`);
  for (const name of names) {
    const p = childPath(path, name);
    if (!FIELD_NAME.test(name))
      throw new Invalid(p, 'expected a field name matching ^[a-z][a-z0-9_]{0,63}$');
    if (RESERVED_FIELD.test(name)) throw new Invalid(p, 'this name is reserved by the field model');
    string(fields, name, path, { max: MAX_FIELD_VALUE });
  }
}

function validateGeo(value: unknown, path: string): void {
  const geo = object(value, path);
  for (const key of ['country', 'region', 'city']) optionalString(geo, key, path);
  if (geo.asn !== undefined) nonNegativeInteger(geo.asn, `${path}.asn`);
}

function validateSource(value: unknown, path: string): void {
  const source = object(value, path);
  for (const key of ['sdk', 'version', 'runtime']) string(source, key, path, { nonEmpty: true });
}

function check(value: unknown): void {
  const body = object(value, '$');
  const observedAt = string(body, 'observed_at', '$');
  if (!RFC3339.test(observedAt) || Number.isNaN(Date.parse(observedAt))) {
    throw new Invalid(
      '$.observed_at',
      'expected an RFC 3339 timestamp such as 2026-03-26T12:00:00.000Z',
    );
  }
  string(body, 'idempotency_key', '$', { nonEmpty: true, max: 256 });
  if (body.request === undefined)
    throw new Invalid('$.request', 'is required (expected an object)');
  validateRequest(body.request, '$.request');
  const returnUrl = string(body, 'return_url', '$');
  if (!URL.canParse(returnUrl)) throw new Invalid('$.return_url', 'expected an absolute URL');
  if (body.fields !== undefined) validateFields(body.fields, '$.fields');
  optionalString(body, 'clearance', '$', { max: MAX_CLEARANCE });
  if (body.geo !== undefined) validateGeo(body.geo, '$.geo');
  if (body.source === undefined) throw new Invalid('$.source', 'is required (expected an object)');
  validateSource(body.source, '$.source');
}

export function validateMitigationBody(value: unknown): ValidationResult {
  try {
    check(value);
    return { ok: true };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, path: err.path, message: err.message };
    throw err;
  }
}
