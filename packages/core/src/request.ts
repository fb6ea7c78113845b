// A hostname or a bracketed IPv6 address, with an optional port: nothing that could end the
// authority (`/`, `?`, `#`, `@`, `\`) and so move the path core matches routes against.
const HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The host to build a decision URL from, or undefined when a client-supplied value (`Host`,
 * `evil/x.css?`) could change which path is checked.
 */
export function safeHost(host: string | null | undefined): string | undefined {
  if (!host || !HOST.test(host)) return undefined;
  // The URL parser refuses more than the pattern can see (a port over 65535, `1.2.3.999`,
  // `[::g]`): such a Host must not make building the decision's Request throw.
  try {
    new URL(`http://${host}/`);
    return host;
  } catch {
    return undefined;
  }
}

/**
 * A Web `Request` for a decision, built by adapters whose platform does not hand them one
 * (Node's IncomingMessage, Lambda events). `fetch` implementations refuse the methods CONNECT,
 * TRACE and TRACK; such a request still reaches the runtime (which may block it) with its
 * method kept and without a body, rather than slipping past the check.
 */
export function decisionRequest(
  url: string,
  init: { method: string; headers: Headers; body?: string | Uint8Array<ArrayBuffer> },
): Request {
  const method = init.method.toUpperCase();
  try {
    return new Request(url, init);
  } catch (err) {
    if (method !== 'CONNECT' && method !== 'TRACE' && method !== 'TRACK') throw err;
    const request = new Request(url, { headers: init.headers });
    Object.defineProperty(request, 'method', { value: method });
    return request;
  }
}
