/** What the runtime knows about the verified API key; never taken from the body. */
export interface KeyContext {
  source_id?: string;
  trust_level?: string;
  /** True when the runtime verified the body's `clearance` token for this client. */
  clearance_valid?: boolean;
}

type Json = Record<string, unknown>;

const TENANT_FIELD_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const RESERVED_EXACT = new Set([
  'client_ip',
  'ip',
  'user_agent',
  'referer',
  'source_id',
  'trust_level',
]);
const RESERVED_PREFIXES = ['request_', 'geo_', 'sdk_', 'clearance_'];

/**
 * Whether a tenant field name is the model's own. Such a field is dropped, never merged: a
 * client must not be able to supply `source_id` or a missing `client_ip` through `fields`.
 */
export function isReservedFieldName(name: string): boolean {
  return RESERVED_EXACT.has(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * Derive the flat field model (docs/field-model.md) from a protocol v1 body. The body is not
 * validated here: parts with the wrong type are skipped, so the result only ever holds
 * strings. Later entries win, so model fields are written after anything they could clash with.
 */
export function encodeFields(body: unknown, key: KeyContext = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const b = obj(body);
  const request = obj(b?.request);
  const fields = obj(b?.fields);

  if (fields) {
    for (const [name, raw] of Object.entries(fields)) {
      if (!TENANT_FIELD_NAME.test(name) || isReservedFieldName(name)) continue;
      const value = scalar(raw);
      if (value !== undefined) out[name] = value;
    }
  }

  if (request) {
    const headers = obj(request.headers);
    if (headers) {
      for (const [name, value] of Object.entries(headers)) {
        if (typeof value === 'string') out[`request_header_${headerName(name)}`] = value;
      }
    }
    const redacted = obj(request.redacted_headers);
    if (redacted) {
      for (const [name, info] of Object.entries(redacted)) {
        if (!obj(info)) continue;
        out[`request_header_${headerName(name)}_present`] = 'true';
      }
      const names = obj(redacted.cookie)?.names;
      if (Array.isArray(names)) {
        const list = names.filter((n): n is string => typeof n === 'string');
        if (list.length > 0) out.request_cookie_names = list.join(',');
      }
    }
    copy(out, 'request_method', request.method);
    copy(out, 'request_scheme', request.scheme);
    copy(out, 'request_host', request.host);
    copy(out, 'request_path', request.path);
    if (typeof request.query === 'string') {
      out.request_query = request.query;
      encodeQuery(out, request.query);
    }
    copy(out, 'client_ip', request.client_ip);
    copy(out, 'ip', request.client_ip);
    // The SDK sends the user agent as `request.user_agent`; a `user-agent` header, when one
    // is also present, is the same value.
    if (out.request_header_user_agent === undefined) {
      copy(out, 'request_header_user_agent', request.user_agent);
    }
  }
  copy(out, 'user_agent', out.request_header_user_agent);
  copy(out, 'referer', out.request_header_referer);

  const geo = obj(b?.geo);
  if (geo) {
    for (const part of ['country', 'region', 'city', 'asn']) {
      const value = scalar(geo[part]);
      if (value !== undefined) out[`geo_${part}`] = value;
    }
  }
  copy(out, 'sdk_runtime', obj(b?.source)?.runtime);
  copy(out, 'source_id', key.source_id);
  copy(out, 'trust_level', key.trust_level);
  if (key.clearance_valid === true) out.clearance_valid = 'true';
  return out;
}

function headerName(name: string): string {
  return name.toLowerCase().replace(/-/g, '_');
}

/** `request_query_<name>`: name lower-cased, other than `[a-z0-9_]` → `_`; first value wins. */
function encodeQuery(out: Record<string, string>, query: string): void {
  for (const [rawName, value] of new URLSearchParams(query)) {
    if (rawName === '') continue;
    const field = `request_query_${rawName.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
    if (out[field] === undefined) out[field] = value;
  }
}

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

function copy(out: Record<string, string>, field: string, value: unknown): void {
  if (typeof value === 'string') out[field] = value;
}
