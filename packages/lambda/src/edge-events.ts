import type { HeaderPair, ProtectFacts } from '@esper/core';
import { decisionRequest, isEsperHeader, safeHost } from '@esper/core/adapter';

/**
 * CloudFront's header map: lower-case names, each a list of `{ key, value }`, one entry per
 * header line (`key` is the name as sent; CloudFront fills it in when a function leaves it out).
 */
export type CloudFrontHeaders = Record<string, Array<{ key?: string; value: string }>>;

/** The fields of a Lambda@Edge request (`Records[0].cf.request`) this package reads. */
export interface CloudFrontRequestLike {
  clientIp: string;
  method: string;
  uri: string;
  querystring: string;
  headers: CloudFrontHeaders;
  body?: { data?: string; encoding?: 'base64' | 'text'; inputTruncated?: boolean };
}

/** A viewer- or origin-request event, as CloudFront passes it to Lambda@Edge. */
export interface CloudFrontRequestEventLike {
  Records: Array<{
    cf: { config: { eventType?: string; requestId?: string }; request: CloudFrontRequestLike };
  }>;
}

/** The response a request trigger generates instead of passing the request on. */
export interface CloudFrontGeneratedResponse {
  status: string;
  statusDescription?: string;
  headers?: CloudFrontHeaders;
  bodyEncoding?: 'text' | 'base64';
  body?: string;
}

export type EdgeEventType = 'viewer-request' | 'origin-request';

/** The request of a viewer- or origin-request event; undefined for any other event. */
export function edgeRequest(
  event: unknown,
): { type: EdgeEventType; request: CloudFrontRequestLike; requestId?: string } | undefined {
  const cf = (event as CloudFrontRequestEventLike | null)?.Records?.[0]?.cf;
  const type = cf?.config?.eventType;
  if ((type !== 'viewer-request' && type !== 'origin-request') || typeof cf?.request !== 'object')
    return undefined;
  return { type, request: cf.request, requestId: cf.config.requestId };
}

/**
 * Headers no function may add (CloudFront answers 502), and those read-only in each request
 * event. "Restrictions on edge functions", CloudFront Developer Guide (test/fixtures/cloudfront).
 */
const DISALLOWED =
  /^(?:connection|expect|keep-alive|proxy-authenticate|proxy-authorization|proxy-connection|trailer|upgrade|x-accel-.*|x-amz-cf-.*|x-amzn-.*|x-cache|x-edge-.*|x-forwarded-proto|x-real-ip)$/;
const READ_ONLY: Record<EdgeEventType, RegExp> = {
  'viewer-request': /^(?:content-length|host|transfer-encoding|via|cloudfront-viewer-country)$/,
  'origin-request':
    /^(?:accept-encoding|content-length|if-modified-since|if-none-match|if-range|if-unmodified-since|transfer-encoding|via)$/,
};

/** Whether a function may add or change `name` (lower-case) on a request of this event type. */
export function writableRequestHeader(type: EdgeEventType, name: string): boolean {
  return !DISALLOWED.test(name) && !READ_ONLY[type].test(name);
}

/** Whether a generated response may carry `name`; CloudFront sets the framing headers itself. */
export function writableResponseHeader(name: string): boolean {
  return !DISALLOWED.test(name) && name !== 'content-length' && name !== 'transfer-encoding';
}

/** `Content-Type` for `content-type`: the spelling CloudFront itself fills in for a missing key. */
const keyOf = (name: string) => name.replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase());

/** Header pairs in CloudFront's shape; repeated names (Set-Cookie) stay separate entries. */
export function toCloudFrontHeaders(pairs: readonly HeaderPair[]): CloudFrontHeaders {
  const out: CloudFrontHeaders = {};
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    out[lower] = [...(out[lower] ?? []), { key: keyOf(lower), value }];
  }
  return out;
}

/**
 * The path decided on: `uri` as CloudFront hands it over (the viewer's, not resolved). An
 * encoded slash has no one meaning behind CloudFront: an S3 origin decodes it into the object
 * key (`/panel%2Fx` is `panel/x`), a custom origin's router reads `/panel/a%2Fb` as one segment
 * (`/panel/:file`). Kept as sent, so that `routing.ambiguousSlashes: 'refuse'` (esperEdge's
 * default) answers it 400 (test/conformance/lambda-edge-paths.test.ts).
 */
export function edgePath(request: CloudFrontRequestLike): string {
  // No browser sends `#…` or `\`; a hand-made request line can, and an origin that parses the
  // target as a URL (WHATWG's parser, Node's url.parse behind Express) routes `/admin#x` as
  // /admin and `/panel\x` as /panel/x: decided so (an S3 key `panel\x` is then over-protected).
  const raw = typeof request.uri === 'string' && request.uri ? request.uri : '/';
  const uri = raw.split('#')[0]!.replace(/\\/g, '/');
  // CloudFront passes a viewer's raw UTF-8 on as it is: `/café` and `/caf%C3%A9` are one S3
  // key and one route, so both are decided as the URL parser spells them.
  const path = uri.replace(/[\u0080-\u{10ffff}]+/gu, (run) =>
    [...new TextEncoder().encode(run)].map((b) => `%${b.toString(16).toUpperCase()}`).join(''),
  );
  return path.startsWith('/') ? path : `/${path}`;
}

/** The Web Request core decides on, plus what only the event knows. */
export function toEdgeRequest(
  request: CloudFrontRequestLike,
  requestId: string | undefined,
): { request: Request; facts: ProtectFacts } {
  const headers = new Headers();
  for (const [name, entries] of Object.entries(request.headers ?? {})) {
    // Not CloudFront's shape: no decision on a guess (the caller falls back).
    if (!Array.isArray(entries)) throw new TypeError(`header ${name} is not a list`);
    for (const entry of entries) {
      if (typeof entry?.value !== 'string') continue;
      try {
        headers.append(name, entry.value);
      } catch {
        // A value the Fetch API refuses is left out rather than losing the decision.
      }
    }
  }
  const method = (request.method || 'GET').toUpperCase();
  const path = edgePath(request);
  const uri = request.uri?.startsWith('/') ? request.uri : path;
  const query = request.querystring ? `?${request.querystring}` : '';
  // Viewer requests carry no scheme (CloudFront-Forwarded-Proto is added later): https assumed.
  const url = `https://${safeHost(headers.get('host')) ?? 'localhost'}${uri}${query}`;
  const data = request.body?.data;
  const body =
    method !== 'GET' && method !== 'HEAD' && data
      ? request.body?.encoding === 'text'
        ? data
        : Buffer.from(data, 'base64')
      : undefined;
  return {
    request: decisionRequest(url, { method, headers, body }),
    // CloudFront's own `clientIp`: the address that connected to the edge, never a header.
    facts: { path, remoteAddress: request.clientIp || undefined, requestId },
  };
}

/**
 * The request passed on: the client's `x-esper-*` gone (even those the Fetch API refused) and
 * every header `upstream` changed written in CloudFront's shape, except names CloudFront forbids
 * a function to touch on this event (returned in `skipped`). The event is not mutated.
 */
export function passOn<R extends CloudFrontRequestLike>(
  request: R,
  type: EdgeEventType,
  before: Headers,
  upstream: Headers,
): { request: R; skipped: string[] } {
  const headers: CloudFrontHeaders = {};
  for (const [name, entries] of Object.entries(request.headers ?? {}))
    if (!isEsperHeader(name)) headers[name] = entries;
  const skipped: string[] = [];
  for (const name of new Set([...before.keys(), ...upstream.keys()])) {
    const value = upstream.get(name);
    if (before.get(name) === value && !isEsperHeader(name)) continue;
    if (!writableRequestHeader(type, name)) {
      skipped.push(name);
      continue;
    }
    if (value === null) delete headers[name];
    else headers[name] = [{ key: keyOf(name), value }];
  }
  return { request: { ...request, headers }, skipped };
}
