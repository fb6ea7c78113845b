// What each launcher's front door does last: the demo request goes on to the example with the
// headers the platform wrote, and the answer is read whole.
import { fromResponse } from '../reply.mjs';

/**
 * @param {string} origin where the example answers (a worker's made-up origin for dispatchFetch)
 * @param {import('../traffic.mjs').DemoRequest} req
 * @param {Record<string, string>} headers the request's headers as the platform passes them on
 * @param {(url: string, init: RequestInit) => Promise<Response>} [send] fetch, or miniflare's
 *   dispatchFetch for a worker
 */
export async function forward(origin, req, headers, send = fetch) {
  const res = await send(origin + req.path, {
    method: req.method,
    headers,
    body: req.body,
    redirect: 'manual',
  });
  return fromResponse(res);
}
