import type { ProtectFacts } from '@esper/core';
import { decisionRequest, isEsperHeader, safeHost } from '@esper/core/adapter';

/**
 * `apigw-v1`: API Gateway REST (payload 1.0). `apigw-v2`: HTTP API (payload 2.0) and Function
 * URLs, which share that shape and are handled identically. `alb` / `alb-multi`: an ALB target
 * group without / with multi-value headers; the result must use the same mode as the event.
 */
export type EventKind = 'apigw-v1' | 'apigw-v2' | 'alb' | 'alb-multi';

type Values<T> = Record<string, T | undefined> | null | undefined;

/** The fields of the four HTTP event shapes this package reads or rewrites. */
export interface HttpEvent {
  version?: string;
  httpMethod?: string;
  path?: string;
  rawPath?: string;
  rawQueryString?: string;
  headers?: Values<string>;
  multiValueHeaders?: Values<string[]>;
  queryStringParameters?: Values<string>;
  multiValueQueryStringParameters?: Values<string[]>;
  cookies?: string[];
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: {
    elb?: unknown;
    requestId?: string;
    domainName?: string;
    identity?: { sourceIp?: string };
    http?: { method?: string; sourceIp?: string };
  };
}

/**
 * A Lambda authorizer's event (REQUEST, payload 1.0 or 2.0, or TOKEN). It looks like the
 * request it guards, but the function must answer with a policy or `isAuthorized`, which a
 * block page is not: it is passed through unscreened (README, "Authorizers").
 */
export function isAuthorizerEvent(event: unknown): boolean {
  const e = event as { type?: unknown; methodArn?: unknown; routeArn?: unknown } | null;
  if (typeof e !== 'object' || e === null) return false;
  return (
    typeof e.methodArn === 'string' ||
    typeof e.routeArn === 'string' ||
    e.type === 'REQUEST' ||
    e.type === 'TOKEN'
  );
}

/**
 * Undefined for anything that is not an HTTP request for the handler (authorizers, WebSocket
 * routes, warm-up pings, SQS, …): those pass through. Only AWS writes the fields tested here.
 */
export function detectKind(event: unknown): EventKind | undefined {
  const e = event as (HttpEvent & { requestContext?: { eventType?: unknown } }) | null;
  if (typeof e !== 'object' || e === null || typeof e.requestContext !== 'object') return;
  if (e.requestContext === null || isAuthorizerEvent(e)) return;
  // WebSocket APIs: $connect carries the upgrade request's headers, but its result is not
  // an HTTP response to the client, and the other routes are messages.
  if (e.requestContext.eventType !== undefined) return;
  if (e.requestContext.elb) return e.multiValueHeaders ? 'alb-multi' : 'alb';
  if (e.version === '2.0' && e.requestContext.http) return 'apigw-v2';
  if (typeof e.httpMethod === 'string') return 'apigw-v1';
}

function queryString(event: HttpEvent, kind: EventKind): string {
  if (kind === 'apigw-v2') return event.rawQueryString ?? '';
  // API Gateway hands over decoded values; ALB passes them exactly as the client sent them.
  const enc = kind === 'apigw-v1' ? encodeURIComponent : (s: string) => s;
  const multi = event.multiValueQueryStringParameters;
  const single = event.queryStringParameters;
  const pairs: string[] = [];
  for (const [k, vs] of Object.entries(multi ?? {}))
    for (const v of vs ?? []) pairs.push(`${enc(k)}=${enc(v)}`);
  if (!multi)
    for (const [k, v] of Object.entries(single ?? {})) pairs.push(`${enc(k)}=${enc(v ?? '')}`);
  return pairs.join('&');
}

function requestHeaders(event: HttpEvent): Headers {
  const headers = new Headers();
  const add = (name: string, value: string) => {
    try {
      headers.append(name, value);
    } catch {
      // A header the Fetch API refuses (odd bytes) is left out rather than losing the decision.
    }
  };
  // REST events carry both maps with the same content; the multi-value one is the complete one.
  if (event.multiValueHeaders) {
    for (const [k, vs] of Object.entries(event.multiValueHeaders))
      for (const v of vs ?? []) add(k, v);
  } else {
    for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) add(k, v);
  }
  // HTTP API and Function URLs move the Cookie header into `cookies`.
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  return headers;
}

/** The platform-vouched client address; see docs/field-model.md#client-ip. */
function sourceIp(event: HttpEvent, kind: EventKind, headers: Headers): string | undefined {
  if (kind === 'apigw-v1') return event.requestContext?.identity?.sourceIp;
  if (kind === 'apigw-v2') return event.requestContext?.http?.sourceIp;
  // ALB has no source IP field: it appends the address it saw to x-forwarded-for, so the last
  // hop is the one it vouches for and everything before it is whatever the client sent.
  // Several lines are not what ALB is known to send, and which one would hold its hop is not
  // documented: no guess (docs/field-model.md#client-ip).
  if (kind === 'alb-multi' && forwardedForLines(event) > 1) return undefined;
  return headers.get('x-forwarded-for')?.split(',').pop()?.trim() || undefined;
}

function forwardedForLines(event: HttpEvent): number {
  let lines = 0;
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (name.toLowerCase() === 'x-forwarded-for') lines += values?.length ?? 0;
  }
  return lines;
}

/**
 * The path the handler reads (`rawPath` for HTTP API and Function URLs, `path` otherwise), as
 * the event has it: the URL parser would resolve `/admin/..` to `/` and re-encode, and then the
 * decision would be about a route the handler does not serve.
 */
export function eventPath(event: HttpEvent, kind: EventKind): string {
  const raw = kind === 'apigw-v2' ? event.rawPath : event.path;
  const path = typeof raw === 'string' && raw ? raw : '/';
  return path.startsWith('/') ? path : `/${path}`;
}

/** Builds the Web Request core decides on, plus what only the event knows. */
export function toRequest(
  event: HttpEvent,
  kind: EventKind,
  awsRequestId?: string,
): { request: Request; facts: ProtectFacts } {
  const headers = requestHeaders(event);
  const method = (
    (kind === 'apigw-v2' ? event.requestContext?.http?.method : event.httpMethod) ?? 'GET'
  ).toUpperCase();
  // ALB may listen on plain HTTP and says so in x-forwarded-proto (which it overwrites).
  const scheme =
    kind.startsWith('alb') && headers.get('x-forwarded-proto') === 'http' ? 'http' : 'https';
  const path = eventPath(event, kind);
  const query = queryString(event, kind);
  const host = safeHost(headers.get('host')) ?? safeHost(event.requestContext?.domainName);
  const url = `${scheme}://${host ?? 'localhost'}${path}${query ? `?${query}` : ''}`;
  const hasBody = method !== 'GET' && method !== 'HEAD' && event.body;
  const body = hasBody
    ? event.isBase64Encoded
      ? Buffer.from(event.body!, 'base64')
      : event.body!
    : undefined;
  const request = decisionRequest(url, { method, headers, body });
  return {
    request,
    facts: {
      path,
      remoteAddress: sourceIp(event, kind, headers),
      requestId: event.requestContext?.requestId ?? awsRequestId,
    },
  };
}

/**
 * The event the application sees on allow: every header whose value `upstream` changed
 * (the client's `x-esper-*` removed, the decision's added) is rewritten in each header map the
 * event has, keeping the map's shape; the caller's event object is not mutated.
 */
export function withHeaders(event: HttpEvent, before: Headers, upstream: Headers): HttpEvent {
  const changed = new Set<string>();
  // `x-esper-*` always: a client's copy that happens to equal the decision's is still written
  // as the decision's, whatever the event's own maps had under that name.
  for (const name of new Set([...before.keys(), ...upstream.keys()])) {
    if (before.get(name) !== upstream.get(name) || isEsperHeader(name)) changed.add(name);
  }
  const rewrite = <T>(map: Values<T>, wrap: (v: string) => T) => {
    const out: Record<string, T | undefined> = {};
    for (const [k, v] of Object.entries(map ?? {})) if (!changed.has(k.toLowerCase())) out[k] = v;
    for (const name of changed) {
      const value = upstream.get(name);
      if (value !== null) out[name] = wrap(value);
    }
    return out;
  };
  const next: HttpEvent = { ...event };
  if (event.multiValueHeaders !== undefined) {
    next.multiValueHeaders = rewrite(event.multiValueHeaders, (v) => [v]);
  }
  // ALB in multi-value mode sends no `headers` map; REST sends both (possibly null).
  if (event.headers !== undefined || event.multiValueHeaders === undefined) {
    next.headers = rewrite(event.headers, (v) => v);
  }
  return next;
}

/**
 * The event with every client-sent `x-esper-*` header removed from each header map it has,
 * including those the Fetch API refused (and so `withHeaders` never sees): nothing the client
 * sent may pass for a decision. The caller's event object is not mutated.
 */
export function withoutEsperHeaders(event: HttpEvent): HttpEvent {
  const strip = <T>(map: Values<T>): Values<T> => {
    if (typeof map !== 'object' || map === null) return map;
    const out: Record<string, T | undefined> = {};
    for (const [k, v] of Object.entries(map)) if (!isEsperHeader(k)) out[k] = v;
    return out;
  };
  return {
    ...event,
    ...('headers' in event ? { headers: strip(event.headers) } : {}),
    ...('multiValueHeaders' in event ? { multiValueHeaders: strip(event.multiValueHeaders) } : {}),
  };
}
