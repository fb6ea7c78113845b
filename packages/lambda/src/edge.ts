/**
 * `@esper/lambda/edge`: CloudFront Lambda@Edge viewer-request (and origin-request) triggers.
 * The function answers with the request, passed on to the cache and origin with the decision's
 * headers, or with a generated response (block page, challenge) in CloudFront's shape.
 */
import { type Decision, type Esper, EsperConfigError, type Logger } from '@esper/core';
import {
  type CloudFrontGeneratedResponse,
  type CloudFrontRequestEventLike,
  type CloudFrontRequestLike,
  type EdgeEventType,
  edgePath,
  edgeRequest,
  passOn,
  toCloudFrontHeaders,
  toEdgeRequest,
  writableResponseHeader,
} from './edge-events.js';
import { carryResponseHeaders } from './edge-response.js';
import { createLambdaEsper, type LambdaEsperOptions } from './handler.js';
import { FORBIDDEN_BODY, FORBIDDEN_HEADERS, REASONS, readResponse } from './results.js';

export type {
  CloudFrontGeneratedResponse,
  CloudFrontHeaders,
  CloudFrontRequestEventLike,
  CloudFrontRequestLike,
} from './edge-events.js';
export { esperEdgeResponse, RESPONSE_HEADERS_CARRIER } from './edge-response.js';

/**
 * The options, all passed in code: Lambda@Edge has no environment variables, so `ESPER_*`
 * variables are not read unless you pass `env` yourself.
 */
export type EdgeEsperOptions = LambdaEsperOptions & {
  /**
   * Set when `esperEdgeResponse()` runs on the behaviour's viewer-response trigger: an allowed
   * request's response headers (the runtime's cookies) are carried to it in a request header.
   * Without it a request trigger cannot add them, and they are dropped with a warning.
   */
  viewerResponse?: boolean;
};

/** The request of the event, typed as your event types it (`@types/aws-lambda` or ours). */
type RequestOf<E extends CloudFrontRequestEventLike> = E['Records'][number]['cf']['request'];

export type EdgeHandler = (<E extends CloudFrontRequestEventLike>(
  event: E,
  context?: unknown,
) => Promise<RequestOf<E> | CloudFrontGeneratedResponse>) & { esper: Esper };

/** The longest decision a handler may wait for: the rest of a viewer trigger's 5 s is the function's. */
export const EDGE_MAX_TIMEOUT_MS = 4000;

/** The largest response a function may generate, headers and body (CloudFront quotas). */
export const GENERATED_LIMIT: Record<EdgeEventType, number> = {
  'viewer-request': 40 * 1024,
  'origin-request': 1024 * 1024,
};

/** An enforced decision's Response as a generated CloudFront response, within the size quota. */
async function toGenerated(
  response: Response,
  type: EdgeEventType,
  logger: Logger | undefined,
): Promise<CloudFrontGeneratedResponse> {
  const read = await readResponse(response);
  const pairs = read.pairs.filter(([name]) => writableResponseHeader(name));
  const out: CloudFrontGeneratedResponse = {
    status: String(response.status),
    statusDescription: response.statusText || REASONS[response.status] || '',
    headers: toCloudFrontHeaders(pairs),
  };
  const size = pairs.reduce((n, [k, v]) => n + k.length + v.length + 4, read.body.length);
  // Larger than the quota is CloudFront's 502: the status and headers (the enforcement) are
  // kept, the page is dropped.
  if (size > GENERATED_LIMIT[type]) {
    logger?.error(
      { size, limit: GENERATED_LIMIT[type] },
      'esper: response too large for Lambda@Edge; sent without its body',
    );
    delete out.headers!['content-type'];
  } else if (read.body && response.status !== 204) {
    Object.assign(out, { body: read.body, bodyEncoding: read.base64 ? 'base64' : 'text' });
  }
  return out;
}

/** For a request no decision could be applied to: a 403 built without reading the event. */
function forbidden(): CloudFrontGeneratedResponse {
  return {
    status: '403',
    statusDescription: 'Forbidden',
    headers: toCloudFrontHeaders(FORBIDDEN_HEADERS),
    body: FORBIDDEN_BODY,
    bodyEncoding: 'text',
  };
}

interface Screening {
  esper: Esper;
  logger: Logger | undefined;
  type: EdgeEventType;
  /** Whether a viewer-response trigger adds the response headers (`viewerResponse`). */
  carry: boolean;
  /** Names already reported as not written, so each is logged once per handler. */
  told: Set<string>;
}

async function apply<R extends CloudFrontRequestLike>(
  s: Screening,
  cfRequest: R,
  decision: Decision,
  request: Request | undefined,
): Promise<R | CloudFrontGeneratedResponse> {
  const response = await s.esper.respond(decision, request);
  if (response) return toGenerated(response, s.type, s.logger);
  const before = request?.headers ?? new Headers();
  const upstream = s.esper.upstreamHeaders(before, decision);
  const { request: next, skipped } = passOn(cfRequest, s.type, before, upstream);
  // A request trigger cannot touch the origin's response: the viewer-response trigger can.
  if (decision.responseHeaders.length) {
    if (s.carry) Object.assign(next.headers, carryResponseHeaders(decision.responseHeaders));
    else skipped.push('(response headers)');
  }
  const fresh = skipped.filter((n) => !s.told.has(n));
  if (fresh.length) {
    for (const n of fresh) s.told.add(n);
    s.logger?.warn({ skipped: fresh }, `esper: not written on a Lambda@Edge ${s.type}`);
  }
  return next;
}

async function screen<R extends CloudFrontRequestLike>(
  s: Screening,
  cfRequest: R,
  requestId: string | undefined,
): Promise<R | CloudFrontGeneratedResponse> {
  let request: Request | undefined;
  let decision: Decision | undefined;
  try {
    const converted = toEdgeRequest(cfRequest, requestId);
    request = converted.request;
    decision = await s.esper.protect(request, converted.facts);
    return await apply(s, cfRequest, decision, request);
  } catch (err) {
    // Not passed on undecided: core's fallback for the route (failMode, failClosedRoutes),
    // unless a decision to enforce was already made.
    s.logger?.error({ err, eventType: s.type }, 'esper: could not screen the request');
    let failed = decision?.enforced ? decision : undefined;
    try {
      failed ??= s.esper.screenFailed(edgePath(cfRequest), err, request);
      return await apply(s, cfRequest, failed, request);
    } catch (again) {
      s.logger?.error({ err: again }, 'esper: could not apply a decision; refusing (403)');
      return forbidden();
    } finally {
      if (failed !== decision) await failed?.pending;
    }
  } finally {
    // Lambda freezes the environment once the handler returns: the onDecision work first.
    await decision?.pending;
  }
}

/**
 * A Lambda@Edge handler for viewer-request (or origin-request) triggers. Allowed requests are
 * returned, to be passed on, with the decision's `x-esper-*` headers and none of the client's;
 * blocked and challenged ones get Esper's response as a generated response. Other events
 * (a response trigger, anything not from CloudFront) are returned untouched.
 */
export function esperEdge(options: EdgeEsperOptions = {}): EdgeHandler {
  const { viewerResponse, ...rest } = options;
  if (typeof rest.timeoutMs === 'number' && rest.timeoutMs > EDGE_MAX_TIMEOUT_MS) {
    // Past its 5 s CloudFront answers the viewer with an error for the function: a slow
    // runtime would take the site down instead of failing open or closed.
    throw new EsperConfigError(
      'timeoutMs',
      `at most ${EDGE_MAX_TIMEOUT_MS} on Lambda@Edge: a viewer trigger has 5 s in all`,
    );
  }
  // The origin behind CloudFront is unknown: S3 reads `%2F` and `//` one way, a router or a
  // file server another (edgePath), so such a path is refused unless you say otherwise.
  const routing = { ambiguousSlashes: 'refuse' as const, ...rest.routing };
  const esper = createLambdaEsper({ env: {}, ...rest, routing }, 'aws-lambda-edge');
  const told = new Set<string>();
  const handler = async (event: CloudFrontRequestEventLike, context?: unknown) => {
    const found = edgeRequest(event);
    if (!found) {
      const cf = (event as { Records?: Array<{ cf?: { response?: unknown } }> })?.Records?.[0]?.cf;
      if (!told.has('event')) {
        told.add('event');
        options.logger?.warn({}, 'esper: not a viewer- or origin-request event; passed through');
      }
      return (cf?.response ?? event) as never;
    }
    const requestId =
      found.requestId ?? (context as { awsRequestId?: string } | undefined)?.awsRequestId;
    const carry = viewerResponse === true && found.type === 'viewer-request';
    const s: Screening = { esper, logger: options.logger, type: found.type, carry, told };
    return screen(s, found.request, requestId);
  };
  return Object.assign(handler, { esper }) as EdgeHandler;
}
