import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 with an OS-chosen port. */
export async function listen(server: Server): Promise<Listening> {
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

export const KEY = { apiKey: 'node_key', secret: 'node_secret_0123456789abcdef012345' };

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

/** The runtime's call for the request that carried `x-test-id: id`. */
export function callFor(requests: ReadonlyArray<{ body: unknown }>, id: string) {
  const call = requests.find((r) => seenBody(r).request?.headers?.['x-test-id'] === id);
  return call && seenBody(call);
}
