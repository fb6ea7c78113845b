import type { Geo, ProtectFacts } from '@esper/core';

// Written by Vercel's proxy (the names `@vercel/edge` exports, kept here to not ship that package).
const COUNTRY_HEADER_NAME = 'x-vercel-ip-country';
const REGION_HEADER_NAME = 'x-vercel-ip-country-region';
const CITY_HEADER_NAME = 'x-vercel-ip-city';
const REQUEST_ID_HEADER_NAME = 'x-vercel-id';

/** What Next (`NextFetchEvent`) and Vercel Routing Middleware (`RequestContext`) pass second. */
export interface MiddlewareContext {
  waitUntil(promise: Promise<unknown>): void;
}

function decoded(value: string | null): string | undefined {
  if (!value) return undefined;
  // Vercel URL-encodes the city; off Vercel the header is the client's and may be malformed,
  // which is why @vercel/edge's geolocation() (it throws on that) is not used.
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * Vercel's proxy overwrites these headers. The client IP is not read here: core's `vercel`
 * preset reads `x-real-ip` and `x-vercel-forwarded-for` and drops what is not an address.
 */
export function platformFacts(request: Request, context: unknown): ProtectFacts {
  const h = request.headers;
  const geo: Geo = {};
  const country = h.get(COUNTRY_HEADER_NAME);
  const region = h.get(REGION_HEADER_NAME);
  const city = decoded(h.get(CITY_HEADER_NAME));
  if (country) geo.country = country;
  if (region) geo.region = region;
  if (city) geo.city = city;
  const facts: ProtectFacts = { geo };
  const requestId = h.get(REQUEST_ID_HEADER_NAME);
  if (requestId) facts.requestId = requestId;
  const ctx = context as Partial<MiddlewareContext> | undefined;
  // NextFetchEvent.waitUntil reads `this`, so it is called as a method, never detached.
  // (Core catches a waitUntil that throws, e.g. after the response: the work still runs.)
  if (typeof ctx?.waitUntil === 'function') facts.waitUntil = (p) => ctx.waitUntil!(p);
  return facts;
}
