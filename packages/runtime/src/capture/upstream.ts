/**
 * The application side of the capture: http-proxy-3 with a keep-alive agent, the decision's
 * response headers joined to the application's (each `Set-Cookie` its own line), and the
 * answers when the application fails: `502` when it cannot be reached or breaks the connection,
 * `504` when it has not started its response within the timeout (the request to it is then
 * aborted). Streams both ways: nothing here reads a body.
 */
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Decision } from '@esper/core';
import { createProxyServer } from 'http-proxy-3';

export interface UpstreamStats {
  badGateway: number;
  gatewayTimeout: number;
}

interface InFlight {
  decision?: Decision;
  timer?: NodeJS.Timeout;
  timedOut?: boolean;
  abortUpstream?: () => void;
}

const FLIGHT = Symbol('esper.capture');
type Tracked = IncomingMessage & { [FLIGHT]?: InFlight };

export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/** A short plain-text answer from the proxy itself (or a cut connection once a head was sent). */
export function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'close',
  });
  res.end(`${text}\n`);
}

/** Adds the decision's response headers to the application's, before they are written. */
function joinHeaders(proxyRes: IncomingMessage, decision: Decision | undefined): void {
  for (const [name, value] of decision?.responseHeaders ?? []) {
    const key = name.toLowerCase();
    const prev = proxyRes.headers[key];
    if (key === 'set-cookie') proxyRes.headers[key] = [...((prev as string[]) ?? []), value];
    else proxyRes.headers[key] = prev === undefined ? value : `${prev}, ${value}`;
  }
}

export function createUpstream(options: {
  upstream: URL;
  timeoutMs: number;
  stats: UpstreamStats;
  onUpstreamError?: (line: string) => void;
}) {
  const { upstream, timeoutMs, stats } = options;
  const agent = new Agent({ keepAlive: true });
  const proxy = createProxyServer({ target: upstream, agent, ws: true, xfwd: false });
  const report = (line: string) => options.onUpstreamError?.(`upstream ${upstream.origin} ${line}`);
  const what = (req: IncomingMessage) => `${req.method} ${pathOf(req.url ?? '/')}`;

  proxy.on('proxyReq', (proxyReq, req) => {
    const flight = (req as Tracked)[FLIGHT];
    if (flight) flight.abortUpstream = () => proxyReq.destroy();
  });
  proxy.on('proxyRes', (proxyRes, req) => {
    const flight = (req as Tracked)[FLIGHT];
    if (flight?.timer) clearTimeout(flight.timer);
    joinHeaders(proxyRes, flight?.decision);
  });

  const failed = (err: Error, req: IncomingMessage, res: ServerResponse | Socket) => {
    const flight = (req as Tracked)[FLIGHT];
    if (flight?.timer) clearTimeout(flight.timer);
    if (!('setHeader' in res)) {
      res.destroy();
      return;
    }
    if (flight?.timedOut) return; // the 504 is already on its way
    stats.badGateway += 1;
    report(`failed for ${what(req)}: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
    plain(res, 502, 'Bad Gateway: the application did not answer.');
  };

  return {
    /** Proxies an HTTP request; `decision`'s response headers join the application's. */
    web(req: IncomingMessage, res: ServerResponse, decision: Decision | undefined): void {
      const flight: InFlight = { decision };
      (req as Tracked)[FLIGHT] = flight;
      flight.timer = setTimeout(() => {
        flight.timedOut = true;
        stats.gatewayTimeout += 1;
        report(`gave no response within ${timeoutMs} ms for ${what(req)}`);
        plain(res, 504, 'Gateway Timeout: the application did not answer in time.');
        flight.abortUpstream?.();
      }, timeoutMs);
      res.once('close', () => clearTimeout(flight.timer));
      proxy.web(req, res, {}, failed);
    },
    /** Proxies a WebSocket upgrade; a failure closes the client's socket. */
    ws(req: IncomingMessage, socket: Socket, head: Buffer): void {
      proxy.ws(req, socket, head, {}, (err) => {
        report(`WebSocket failed for ${what(req)}: ${err.message}`);
        socket.destroy();
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}
