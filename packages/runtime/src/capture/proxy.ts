/**
 * The capturing reverse proxy of `esper capture run`, on http-proxy-3 (the maintained rewrite of
 * http-proxy): bodies stream both ways untouched, each `Set-Cookie` stays its own line, hop-by-hop
 * headers are dropped, WebSocket upgrades are passed through. Before a request goes on, `client`
 * (an `@esper/core` client with a local decider) decides it; the decision is applied only when
 * core says it is enforced (`mode: 'live'` and challenge or block), so in monitor mode every
 * request reaches the application. Without a client it is a plain reverse proxy on the same code,
 * which is what the benchmark compares against.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Decision, Esper } from '@esper/core';
import { decisionRequest, safeHost } from '@esper/core/adapter';
import { forwardHeaders, type TrustCheck } from './forwarding.js';
import { createUpstream, pathOf, plain } from './upstream.js';

export interface CaptureProxyOptions {
  /** The application: `http://host:port`, optionally with a base path. */
  upstream: URL;
  host?: string;
  port?: number;
  /** Decides every request; absent: a plain reverse proxy (no decisions). */
  client?: Esper;
  /** Time the application has to start its response before the client gets 504. Default 30 000. */
  upstreamTimeoutMs?: number;
  /** Peers whose forwarding headers are believed. Default: none. */
  trusted?: TrustCheck;
  /** Every decision, once made (before the request goes on): the recorder. */
  onDecision?: (decision: Decision, request: { method: string; path: string }) => void;
  /** One line per upstream failure (never a header or body). */
  onUpstreamError?: (line: string) => void;
}

export interface CaptureStats {
  requests: number;
  websockets: number;
  /** Answered by the proxy instead of the application: block, challenge, bad request. */
  answeredByProxy: number;
  badGateway: number;
  gatewayTimeout: number;
}

export interface CaptureProxy {
  readonly url: string;
  readonly port: number;
  stats(): CaptureStats;
  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts the rest. */
  close(graceMs?: number): Promise<void>;
}

/** The request target as the application will route it: origin-form only. */
function originForm(url: string | undefined): string | undefined {
  return url?.startsWith('/') ? url : undefined;
}

/** Headers only: the body stays in the socket, unread, until it streams to the application. */
function webRequest(req: IncomingMessage, target: string): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    } catch {
      // A header the Fetch API refuses is left out of the decision, not fatal.
    }
  }
  const host = safeHost(req.headers.host) ?? 'localhost';
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return decisionRequest(`${scheme}://${host}${target}`, { method: req.method ?? 'GET', headers });
}

function forwardedForLines(req: IncomingMessage): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'x-forwarded-for') lines.push(req.rawHeaders[i + 1]!);
  }
  return lines;
}

/** Core's block, challenge or redirect `Response`, each Set-Cookie on its own line. */
async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  res.statusCode = response.status;
  for (const [name, value] of response.headers)
    if (name !== 'set-cookie') res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  res.end(body);
}

/** Decides one request; undefined when there is no client. Never throws (core never does). */
async function decide(
  options: CaptureProxyOptions,
  req: IncomingMessage,
  target: string,
): Promise<{ decision: Decision; request?: Request } | undefined> {
  const client = options.client;
  if (!client) return undefined;
  const path = pathOf(target);
  let request: Request | undefined;
  let decision: Decision;
  try {
    request = webRequest(req, target);
    decision = await client.protect(request, {
      path,
      remoteAddress: req.socket.remoteAddress,
      forwardedFor: forwardedForLines(req),
    });
  } catch (err) {
    decision = client.screenFailed(path, err, request);
  }
  options.onDecision?.(decision, { method: req.method ?? 'GET', path });
  return { decision, request };
}

export async function startCaptureProxy(options: CaptureProxyOptions): Promise<CaptureProxy> {
  const { client } = options;
  const trusted = options.trusted ?? (() => false);
  const stats: CaptureStats = {
    requests: 0,
    websockets: 0,
    answeredByProxy: 0,
    badGateway: 0,
    gatewayTimeout: 0,
  };
  const upstream = createUpstream({
    upstream: options.upstream,
    timeoutMs: options.upstreamTimeoutMs ?? 30_000,
    stats,
    onUpstreamError: options.onUpstreamError,
  });
  const decisionHeaders = (decision: Decision | undefined) =>
    decision && client ? client.upstreamHeaders(new Headers(), decision) : undefined;

  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    stats.requests += 1;
    const target = originForm(req.url);
    if (target === undefined) {
      stats.answeredByProxy += 1;
      plain(res, 400, 'Bad Request');
      return;
    }
    const decided = await decide(options, req, target);
    if (decided && client) {
      const response = await client.respond(decided.decision, decided.request);
      if (response) {
        stats.answeredByProxy += 1;
        await sendResponse(res, response);
        return;
      }
    }
    forwardHeaders(req, decisionHeaders(decided?.decision), trusted);
    upstream.web(req, res, decided?.decision);
  }

  async function onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer) {
    socket.on('error', () => socket.destroy());
    const target = originForm(req.url);
    const decided = target === undefined ? undefined : await decide(options, req, target);
    // A handshake cannot follow a challenge page: an enforced decision refuses it.
    if (target === undefined || decided?.decision.enforced) {
      const status = target === undefined ? '400 Bad Request' : '403 Forbidden';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    stats.websockets += 1;
    forwardHeaders(req, decisionHeaders(decided?.decision), trusted, true);
    upstream.ws(req, socket, head);
  }

  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    onRequest(req, res).catch(() => plain(res, 500, 'Internal Server Error'));
  });
  server.on('upgrade', (req, socket: Socket, head) => {
    onUpgrade(req, socket, head).catch(() => socket.destroy());
  });
  const listening = await listenOn(server, options.host ?? '127.0.0.1', options.port ?? 0);
  return {
    url: listening.url,
    port: listening.port,
    stats: () => ({ ...stats }),
    close: async (graceMs = 5000) => {
      await listening.close(graceMs);
      upstream.close();
    },
  };
}

/** Listens, keeping track of sockets so `close` can cut what is still open after the grace. */
async function listenOn(server: Server, host: string, port: number) {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${address.port}`,
    port: address.port,
    close(graceMs: number): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        const cut = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, graceMs);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
