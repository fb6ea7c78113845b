import type { HeaderPair, Logger } from '@esper/core';
import {
  type CloudFrontHeaders,
  toCloudFrontHeaders,
  writableResponseHeader,
} from './edge-events.js';

/**
 * The request header that carries an allowed request's response headers (the runtime's cookies)
 * from the viewer-request trigger to the viewer-response one: CloudFront hands the viewer-response
 * function the request as the viewer-request function returned it. An `x-esper-*` name, so a
 * client's own copy is removed by the viewer-request trigger before anything reads it.
 */
export const RESPONSE_HEADERS_CARRIER = 'x-esper-response-headers';

export function carryResponseHeaders(pairs: readonly HeaderPair[]): CloudFrontHeaders {
  const value = Buffer.from(JSON.stringify(pairs)).toString('base64');
  return toCloudFrontHeaders([[RESPONSE_HEADERS_CARRIER, value]]);
}

function carried(value: string | undefined): HeaderPair[] | undefined {
  if (!value) return undefined;
  const pairs: unknown = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  const ok =
    Array.isArray(pairs) &&
    pairs.every((p) => Array.isArray(p) && p.length === 2 && p.every((s) => typeof s === 'string'));
  if (!ok) throw new TypeError(`${RESPONSE_HEADERS_CARRIER} is not a list of header pairs`);
  return pairs as HeaderPair[];
}

interface ResponseEventLike {
  Records: Array<{
    cf: {
      request?: { headers?: CloudFrontHeaders };
      response: { status: string; headers: CloudFrontHeaders };
    };
  }>;
}

/** Read-only in viewer-response events (CloudFront's 502 if changed). */
const READ_ONLY = new Set(['via', 'warning']);

/**
 * A Lambda@Edge handler for the viewer-response trigger, paired with `esperEdge({
 * viewerResponse: true })` on viewer request: it adds the decision's response headers (each
 * cookie its own `set-cookie` entry) to the response CloudFront returns. Anything else, or a
 * response without carried headers, is returned untouched; it never throws.
 */
export function esperEdgeResponse(options: { logger?: Logger } = {}) {
  return async <E extends ResponseEventLike>(
    event: E,
    _context?: unknown,
  ): Promise<E['Records'][number]['cf']['response']> => {
    const cf = event?.Records?.[0]?.cf;
    const response = cf?.response;
    if (typeof response !== 'object' || response === null) return event as never;
    try {
      const pairs = carried(cf?.request?.headers?.[RESPONSE_HEADERS_CARRIER]?.[0]?.value);
      if (!pairs || typeof response.headers !== 'object') return response;
      const headers: CloudFrontHeaders = { ...response.headers };
      const added = toCloudFrontHeaders(
        pairs.filter(
          ([n]) => writableResponseHeader(n.toLowerCase()) && !READ_ONLY.has(n.toLowerCase()),
        ),
      );
      for (const [name, entries] of Object.entries(added))
        headers[name] = [...(headers[name] ?? []), ...entries];
      return { ...response, headers };
    } catch (err) {
      options.logger?.warn({ err }, 'esper: could not add the response headers');
      return response;
    }
  };
}
