/**
 * Next.js and Vercel Routing Middleware pass request headers to the application through the
 * middleware's response: `x-middleware-override-headers` lists every header the application
 * will see (the rest are removed) and `x-middleware-request-<name>` carries each value.
 * This is what `next({ request: { headers } })` writes; it is written here directly because
 * the user's middleware may already have written its own set, which has to be merged.
 */
const OVERRIDE = 'x-middleware-override-headers';
const PREFIX = 'x-middleware-request-';

/** "Go on to the application": what `next()` from `@vercel/edge` and `NextResponse.next()` return. */
export function continueResponse(): Response {
  return new Response(null, { headers: { 'x-middleware-next': '1' } });
}

/** True when the application runs after this response (continue or rewrite). */
export function continuesToApp(response: Response): boolean {
  return response.headers.has('x-middleware-next') || response.headers.has('x-middleware-rewrite');
}

/** The request headers the application would get from this response, if it overrides them. */
export function overriddenHeaders(response: Response): Headers | undefined {
  const list = response.headers.get(OVERRIDE);
  if (list === null) return undefined;
  const headers = new Headers();
  for (const name of list.split(',')) {
    const key = name.trim().toLowerCase();
    const value = response.headers.get(PREFIX + key);
    if (key && value !== null) headers.set(key, value);
  }
  return headers;
}

/** Makes `headers` the request headers the application receives. */
export function setRequestHeaders(response: Response, headers: Headers): Response {
  let out = response;
  try {
    out.headers.delete(OVERRIDE);
  } catch {
    // Immutable headers (e.g. Response.redirect): copy the response once.
    out = new Response(response.body, response);
  }
  for (const name of [...out.headers.keys()]) if (name.startsWith(PREFIX)) out.headers.delete(name);
  const names: string[] = [];
  headers.forEach((value, name) => {
    out.headers.set(PREFIX + name, value);
    names.push(name);
  });
  out.headers.set(OVERRIDE, names.join(','));
  return out;
}
