/**
 * Node's `(req, res)` servers, written once for every adapter on them (Express, Fastify, plain
 * `node:http`, NestJS, Koa, Polka): the request as core sees it, the decision applied to `res`,
 * the app's view of the request cleaned of client-sent `x-esper-*`. Node's types are declared
 * structurally here, so core still compiles without them.
 */
import type { Esper } from './client.js';
import type { EsperOptions } from './config.js';
import type { Decision, HeaderPair } from './decision.js';
import { createUndiciTransport, nodeSigner, type UndiciModule } from './node.js';
import type { ProtectFacts } from './protect-facts.js';
import { decisionRequest, safeHost } from './request.js';
import { isEsperHeader } from './respond.js';

/** The part of `http.IncomingMessage` read here. */
export interface NodeRequestLike {
  method?: string;
  url?: string;
  /** 2 on `node:http2`'s compatibility API. */
  httpVersionMajor?: number;
  headers: Record<string, string | string[] | undefined>;
  /** HTTP/1's (not http2's): made from `rawHeaders` on first read, as many lines as parsed. */
  readonly headersDistinct?: Record<string, string[] | undefined>;
  rawHeaders: string[];
  socket: { remoteAddress?: string; encrypted?: boolean } | null;
}

/** The part of `http.ServerResponse` written here. */
export interface NodeResponseLike {
  statusCode: number;
  readonly headersSent: boolean;
  setHeader(name: string, value: string | readonly string[]): unknown;
  appendHeader(name: string, value: string | readonly string[]): unknown;
  end(chunk?: Uint8Array): unknown;
  destroy(): unknown;
}

/**
 * The user's options with Node's transport and signer: undici's keep-alive pool (loaded in the
 * background by `createEsper()`, never per request: importing it takes 100–400 ms, more than a
 * decision's budget) and node:crypto. A `fetch` or `crypto` of the user's own keeps its path.
 * `loadUndici` is the adapter's `() => import('undici')`, so undici resolves from its package.
 */
export function withNodeTransport(
  options: EsperOptions,
  loadUndici: () => Promise<UndiciModule>,
): EsperOptions {
  return {
    ...options,
    transport:
      options.transport ??
      (options.fetch ? undefined : createUndiciTransport({ load: loadUndici })),
    signer: options.signer ?? (options.crypto ? undefined : nodeSigner),
  };
}

/** The path part of a request target, without the query. */
export function pathOfTarget(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/**
 * The `x-forwarded-for` header lines as they arrived, in order. `req.headers` joins them with
 * ", ", which loses where one line ends: the Heroku router appends to the first line only.
 */
export function forwardedForLines(req: NodeRequestLike): string[] {
  const lines: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'x-forwarded-for') lines.push(raw[i + 1]!);
  }
  return lines;
}

/**
 * The request as a Web `Request` for core: URL and headers only. The body stays in the socket,
 * unread, for the app's own parsers. `target` is the path and query the app routes on.
 */
export function nodeWebRequest(req: NodeRequestLike, scheme: string, target: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    try {
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    } catch {
      // A header undici refuses (e.g. an HTTP/2 pseudo-header) is left out, not fatal.
    }
  }
  // HTTP/2 (node:http2's compatibility API) sends `:authority`, and no Host.
  const authority = req.headers[':authority'];
  const sent = headers.get('host') ?? (typeof authority === 'string' ? authority : undefined);
  const host = safeHost(sent) ?? 'localhost';
  return decisionRequest(`${scheme}://${host}${target}`, { method: req.method ?? 'GET', headers });
}

/**
 * Hands the decision's headers to the app. Client-sent `x-esper-*` go first, and so does the
 * client's copy of any header the runtime vouches for (which replaces it, docs/protocol.md),
 * from `rawHeaders` too, so no view of the request lets a client claim what the runtime said.
 */
export function forwardUpstream(req: NodeRequestLike, upstream: Headers): void {
  const vouched = new Set(upstream.keys()); // lower case, as Headers keeps them
  const replaced = (name: string) => isEsperHeader(name) || vouched.has(name.toLowerCase());
  // Node makes `headersDistinct` from the first N raw lines it parsed, on first read: made from
  // the edited lines it would miss some, or throw if they are fewer. Make it now and edit it.
  let distinct: Record<string, string[] | undefined> | undefined;
  try {
    distinct = req.headersDistinct;
  } catch {
    // Something before Esper shortened `rawHeaders`: Node cannot build it, for anyone.
  }
  for (const views of distinct ? [req.headers, distinct] : [req.headers]) {
    for (const name of Object.keys(views)) if (replaced(name)) delete views[name];
  }
  const raw: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (!replaced(req.rawHeaders[i]!)) raw.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  // Headers joins repeated names with ", " (set-cookie is no request header).
  for (const [name, value] of upstream) {
    req.headers[name] = value;
    if (distinct) distinct[name] = [value];
    raw.push(name, value);
  }
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
}

/** Writes core's block or challenge `Response` to `res`, each Set-Cookie on its own line. */
export async function sendNodeResponse(res: NodeResponseLike, response: Response): Promise<void> {
  // Read first: if a custom response's body fails, nothing has been written yet.
  const body = response.body ? new Uint8Array(await response.arrayBuffer()) : undefined;
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.appendHeader('set-cookie', cookies);
  res.end(body);
}

/** Adds the runtime's response headers before the app writes its own, next to its cookies. */
export function appendNodeResponseHeaders(
  res: NodeResponseLike,
  pairs: readonly HeaderPair[],
): void {
  for (const [name, value] of pairs) res.appendHeader(name, value);
}

/** What the adapter knows about a request that core cannot read from it. */
export interface NodeRequestFacts {
  /**
   * The path and query the app's router routes on (origin-form), or undefined when it has none
   * (`OPTIONS *`, an unparseable target): such a request is refused with 400, never decided on
   * some other path than the one the app would serve.
   */
  target: string | undefined;
  /** `http` or `https`, as the adapter may believe it. */
  scheme: string;
  /** `clientIp` (already resolved) or `remoteAddress` + `forwardedFor` for core to resolve. */
  ip: Pick<ProtectFacts, 'clientIp' | 'remoteAddress' | 'forwardedFor'>;
}

export interface NodeScreening {
  /** True when the request goes on to the app; false when `res` was answered. */
  proceed: boolean;
  decision?: Decision;
}

interface ScreenLogger {
  error(obj: object, msg?: string): void;
}

/**
 * The whole decision for one Node request: facts → `protect()` → `res` answered (block,
 * challenge, 400) or the request handed on with the decision's headers. Never throws: whatever
 * fails becomes core's fallback decision (`screenFailed`), and an enforced decision stays
 * enforced even when its response cannot be written. `facts` runs inside the guard, so an
 * adapter's own parsing failing is screened too.
 */
export async function screenNodeRequest(
  client: Esper,
  req: NodeRequestLike,
  res: NodeResponseLike,
  facts: () => NodeRequestFacts,
  logger?: ScreenLogger,
): Promise<NodeScreening> {
  let request: Request | undefined;
  let decision: Decision | undefined;
  let target: string | undefined;
  try {
    const f = facts();
    target = f.target;
    if (target === undefined) {
      forwardUpstream(req, new Headers());
      res.statusCode = 400;
      res.setHeader('content-type', 'text/plain');
      // HTTP/2 has no `Connection` header (Node warns and drops it): the stream ends anyway.
      if (req.httpVersionMajor !== 2) res.setHeader('connection', 'close');
      res.end(new TextEncoder().encode('Bad Request'));
      return { proceed: false };
    }
    request = nodeWebRequest(req, f.scheme, target);
    const requestId = request.headers.get('x-request-id') ?? undefined;
    // The raw path: Node servers route on it as sent, dot segments and escapes included.
    const path = pathOfTarget(target);
    // `pending` never rejects (core catches the hook) and Node keeps running it.
    decision = await client.protect(request, { ...f.ip, requestId, path });
    const response = await client.respond(decision, request);
    if (response) {
      await sendNodeResponse(res, response);
      return { proceed: false, decision };
    }
    forwardUpstream(req, client.upstreamHeaders(new Headers(), decision));
    appendNodeResponseHeaders(res, decision.responseHeaders);
    return { proceed: true, decision };
  } catch (err) {
    logger?.error({ err }, 'esper: screening the request failed');
    forwardUpstream(req, new Headers());
    if (decision?.enforced !== true) {
      decision = client.screenFailed(pathOfTarget(target ?? '/'), err, request);
    }
    if (!decision.enforced) return { proceed: !res.headersSent, decision };
    if (res.headersSent) res.destroy();
    else {
      res.statusCode = 403;
      res.setHeader('cache-control', 'no-store');
      res.end();
    }
    return { proceed: false, decision };
  }
}
