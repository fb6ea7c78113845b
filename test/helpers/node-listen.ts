/**
 * A real Node server on 127.0.0.1 for the Node adapters' package tests (express, node,
 * fastify), and the runtime-side view of the call the mock recorded for a request.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 with an OS-chosen port; `close()` drops kept-alive sockets. */
export async function listenServer(server: Server): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Runtime-side view of a recorded call. */
export interface SeenRequest {
  method: string;
  scheme: string;
  host: string;
  path: string;
  query?: string;
  client_ip?: string;
  headers: Record<string, string>;
}

export function seenBody(recorded: { body: unknown }) {
  return recorded.body as {
    request: SeenRequest;
    request_id?: string;
    source: { sdk: string; version: string; runtime: string };
  };
}
