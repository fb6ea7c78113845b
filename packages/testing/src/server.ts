import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createMockRuntimeApp, type MockRuntimeApp } from './app.js';
import { MockController } from './controller.js';
import type {
  MockAnswer,
  MockRuntimeOptions,
  MockScript,
  RecordedRequest,
  ScriptHandle,
} from './types.js';

export interface StartMockRuntimeOptions extends MockRuntimeOptions {
  /** Default 0: a free port chosen by the OS. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

export interface MockRuntime {
  /** Origin of the mock, e.g. `http://127.0.0.1:43121`: the SDK's `apiBase`. */
  readonly url: string;
  readonly port: number;
  /** Recorded calls, oldest first (see `RecordedRequest`). */
  readonly requests: readonly RecordedRequest[];
  readonly controller: MockController;
  /** Token of the admin API (`Authorization: Bearer <adminToken>`). */
  readonly adminToken: string;
  readonly app: MockRuntimeApp;
  /** Adds a scripted answer; a bare answer matches every request. */
  script(input: MockScript | MockAnswer): ScriptHandle;
  /** Forgets requests, run-time scripts and idempotency keys. */
  reset(): void;
  waitForRequests(count?: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /**
   * Sockets currently open on the server side, idle keep-alive ones included. Note that
   * Node's fetch (undici) may open a fresh idle connection right after a request is aborted.
   */
  openConnections(): number;
  /**
   * Sockets carrying a request whose response is not finished. After a client timeout this
   * drops to 0 only if the client really closed the socket (see also `RecordedRequest.aborted`).
   */
  busyConnections(): number;
  /** Stops listening and destroys every open socket. Safe to call twice. */
  close(): Promise<void>;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startMockRuntime(
  options: StartMockRuntimeOptions = {},
): Promise<MockRuntime> {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  const controller = new MockController(rest);
  const app = createMockRuntimeApp(controller);
  // Leave the global Request/Response alone: the SDK under test runs in the same process.
  const server = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false }) as Server;
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
  const url = `http://${formatHost(host)}:${address.port}`;

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      controller.dispose();
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
    url,
    port: address.port,
    get requests() {
      return controller.requests;
    },
    controller,
    adminToken: controller.adminToken,
    app,
    script: (input) => controller.script(input),
    reset: () => controller.reset(),
    waitForRequests: (count, timeoutMs) => controller.waitForRequests(count, timeoutMs),
    openConnections: () => sockets.size,
    busyConnections: () => busy.size,
    close,
  };
}
