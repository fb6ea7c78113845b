import type { ServerResponse } from 'node:http';
import type { HeaderPair } from '@esper/core';

/** Writes core's block or challenge `Response` to Express's `res`, each Set-Cookie on its own line. */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  // Read first: if a custom response's body fails, nothing has been written yet.
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.appendHeader('set-cookie', cookies);
  res.end(body);
}

/**
 * Adds the runtime's response headers before the app writes its own. Appending keeps them
 * next to cookies the app sets with `res.cookie()`/`res.append()`.
 */
export function appendResponseHeaders(res: ServerResponse, pairs: readonly HeaderPair[]): void {
  for (const [name, value] of pairs) res.appendHeader(name, value);
}
