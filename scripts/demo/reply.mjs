// What a client saw, in one shape for every platform: a fetch Response (Next.js, workerd,
// Express, Hono) or a Lambda result object.

/**
 * @typedef {{ status: number, decision: string | null, location: string | null,
 *   contentType: string | null, body: string }} Reply
 * `decision` is the x-esper-decision header the SDK puts on the block and challenge responses it
 * writes itself; an answer from the application has none.
 */

/** @param {Response} res @returns {Promise<Reply>} */
export async function fromResponse(res) {
  const body = await res.text(); // always read, so the connection is free for the next request
  return {
    status: res.status,
    decision: res.headers.get('x-esper-decision'),
    location: res.headers.get('location'),
    contentType: res.headers.get('content-type'),
    body,
  };
}

/**
 * A Lambda result (payload 1.0 or 2.0): headers may be in `headers` or `multiValueHeaders`,
 * with any case.
 * @returns {Reply}
 */
export function fromLambdaResult(result) {
  const headers = {};
  for (const [k, v] of Object.entries(result.multiValueHeaders ?? {}))
    headers[k.toLowerCase()] = v[0];
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  return {
    status: result.statusCode,
    decision: headers['x-esper-decision'] ?? null,
    location: headers.location ?? null,
    contentType: headers['content-type'] ?? null,
    body: result.body ?? '',
  };
}

/**
 * X-Forwarded-For as a proxy that appends the address it saw writes it (Heroku's router,
 * API Gateway, Cloudflare): whatever the client sent, then the real hop.
 */
export const appendHop = (clientSent, ip) => (clientSent ? `${clientSent}, ${ip}` : ip);
