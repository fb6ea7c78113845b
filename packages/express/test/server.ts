/// <reference path="./express4.d.ts" />
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import express4 from 'express4';

/** Both majors, resolved from this package so test/conformance can use them too. */
export const frameworks = { express4, express5 } as const;
export type FrameworkName = keyof typeof frameworks;

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with an OS-chosen port. */
export async function listen(handler: RequestListener): Promise<Listening> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const KEY = { apiKey: 'express_key', secret: 'express_secret_0123456789abcdef' };

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
