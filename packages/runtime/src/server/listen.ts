/**
 * Serves a fetch handler on a loopback (or any) port with @hono/node-server, keeping track of
 * sockets so that `close()` really ends every connection and tests can count them.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

export interface ListenOptions {
  /** Default 0: a free port chosen by the OS. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

export interface ListeningServer {
  /** Origin, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Sockets open on the server side, idle keep-alive ones included. */
  openConnections(): number;
  /** Sockets carrying a request whose response is not finished. */
  busyConnections(): number;
  /** Stops listening and destroys every open socket; resolves once all are closed. Idempotent. */
  close(): Promise<void>;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

type FetchHandler = (request: Request, env: object) => Response | Promise<Response>;

export async function listen(
  fetch: FetchHandler,
  options: ListenOptions = {},
): Promise<ListeningServer> {
  const { port = 0, host = '127.0.0.1' } = options;
  // Leave the global Request/Response alone: an SDK under test may run in the same process.
  const server = createAdaptorServer({ fetch, overrideGlobalObjects: false }) as Server;
  const sockets = new Set<Socket>();
  const busy = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    busy.add(socket);
    // 'close' comes once the response is done or the socket is gone, whichever is first.
    res.once('close', () => busy.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // server.close() may call back before the sockets' own 'close' events; wait for those
      // too, so openConnections() is 0 once close() resolves.
      const socketsClosed = [...sockets].map(
        (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
      );
      for (const socket of sockets) socket.destroy();
      await Promise.all([serverClosed, ...socketsClosed]);
    })();
    return closed;
  };

  return {
    url: `http://${formatHost(host)}:${address.port}`,
    port: address.port,
    server,
    openConnections: () => sockets.size,
    busyConnections: () => busy.size,
    close,
  };
}
