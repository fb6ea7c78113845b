import { DECISION_HEADER, type HeaderPair, type Logger } from '@esper/core';
import type { EventKind } from './events.js';

// ALB wants a reason phrase. The statuses Esper and typical custom block/challenge pages send;
// `node:http`'s full table is not imported for them: importing it is milliseconds of every cold
// start (bench/import-costs.mjs).
export const REASONS: Record<number, string> = {
  200: 'OK',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The fields of the API Gateway, Function URL and ALB result shapes this package writes. */
export interface HttpResult {
  statusCode?: number;
  statusDescription?: string;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

const TEXT =
  /^(?:text\/|application\/(?:json|javascript|xml|x-www-form-urlencoded)|[^;]*\+(?:json|xml))/i;

function keyOf(map: Record<string, unknown>, name: string) {
  const lower = name.toLowerCase();
  return Object.keys(map).find((k) => k.toLowerCase() === lower) ?? name;
}

/**
 * HTTP API accepts a bare value (string or object without `statusCode`) as a 200 JSON body;
 * to add headers it has to become the full shape API Gateway would have made of it.
 */
function normalizeV2(result: unknown): HttpResult {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    return { ...(result as HttpResult) };
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: typeof result === 'string' ? result : JSON.stringify(result),
  };
}

/**
 * Adds header pairs (the runtime's `response_headers`, or a block page's headers) to a
 * result of the kind the event asked for. Set-Cookie stays one header per cookie wherever the
 * shape allows it: REST and ALB multi-value use `multiValueHeaders`, HTTP API uses `cookies`.
 * ALB single-value `headers` holds one value per name, so there the application's own
 * Set-Cookie wins, then the first added one; the rest are dropped with a warning.
 */
export function addHeaders(
  result: unknown,
  pairs: readonly HeaderPair[],
  kind: EventKind,
  logger?: Logger,
): unknown {
  if (pairs.length === 0) return result;
  if (kind === 'apigw-v2') {
    const out = normalizeV2(result);
    const headers = { ...out.headers };
    const cookies = [...(out.cookies ?? [])];
    for (const [name, value] of pairs) {
      if (name === 'set-cookie') cookies.push(value);
      else {
        const key = keyOf(headers, name);
        headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
      }
    }
    return { ...out, headers, ...(cookies.length ? { cookies } : {}) };
  }
  const out = { ...(result as HttpResult) };
  if (kind === 'alb') {
    const headers = { ...out.headers };
    const dropped: string[] = [];
    for (const [name, value] of pairs) {
      const key = keyOf(headers, name);
      if (headers[key] === undefined) headers[key] = value;
      else if (name === 'set-cookie') dropped.push(value.split('=')[0] ?? '');
      else headers[key] = `${headers[key]}, ${value}`;
    }
    if (dropped.length) {
      logger?.warn(
        { dropped },
        'esper: ALB single-value headers carry one Set-Cookie; enable multi-value headers on the target group',
      );
    }
    return { ...out, headers };
  }
  // REST merges `headers` into `multiValueHeaders` but drops a name present in both from
  // `headers`, so every name we touch is moved over first.
  const headers = { ...out.headers };
  const multi = { ...out.multiValueHeaders };
  for (const [name, value] of pairs) {
    const single = keyOf(headers, name);
    const key = keyOf(multi, headers[single] === undefined ? name : single);
    const values = [...(multi[key] ?? [])];
    if (headers[single] !== undefined) {
      values.unshift(headers[single]);
      delete headers[single];
    }
    multi[key] = [...values, value];
  }
  return { ...out, ...(out.headers ? { headers } : {}), multiValueHeaders: multi };
}

/** A Response's body as event text (UTF-8 when textual, else base64) and its header pairs. */
export async function readResponse(
  response: Response,
): Promise<{ body: string; base64: boolean; pairs: HeaderPair[] }> {
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.length === 0 || TEXT.test(response.headers.get('content-type') ?? '');
  const pairs: HeaderPair[] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') pairs.push([name, value]);
  });
  // Each Set-Cookie its own pair: joined, a cookie's Expires comma would split it.
  for (const cookie of response.headers.getSetCookie()) pairs.push(['set-cookie', cookie]);
  return { body: bytes.toString(text ? 'utf8' : 'base64'), base64: !text, pairs };
}

/** An enforced decision's Response (block page, challenge redirect) as the event's result shape. */
export async function toResult(
  response: Response,
  kind: EventKind,
  logger?: Logger,
): Promise<unknown> {
  const { body, base64, pairs } = await readResponse(response);
  const base: HttpResult = { statusCode: response.status, body, isBase64Encoded: base64 };
  if (kind.startsWith('alb')) {
    base.statusDescription =
      `${response.status} ${response.statusText || REASONS[response.status] || ''}`.trim();
  }
  return addHeaders(base, pairs, kind, logger);
}

/** What a response no decision could be applied to says: core's JSON block, read from nothing. */
export const FORBIDDEN_BODY = JSON.stringify({ error: 'blocked', decision_id: null });
export const FORBIDDEN_HEADERS: readonly HeaderPair[] = [
  ['content-type', 'application/json'],
  ['cache-control', 'no-store'],
  [DECISION_HEADER, 'block'],
];

/**
 * The last resort, for an event no decision could be applied to (not even core's fallback: its
 * header maps cannot be read, or the block page cannot be): core's JSON block body, in the
 * event's result shape, built without reading anything from the event.
 */
export function forbiddenResult(kind: EventKind): unknown {
  const base: HttpResult = { statusCode: 403, body: FORBIDDEN_BODY, isBase64Encoded: false };
  if (kind.startsWith('alb')) base.statusDescription = '403 Forbidden';
  return addHeaders(base, FORBIDDEN_HEADERS, kind);
}
