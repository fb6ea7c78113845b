import { listen } from '@esper/runtime';
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

export async function startMockRuntime(
  options: StartMockRuntimeOptions = {},
): Promise<MockRuntime> {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  const controller = new MockController(rest);
  const app = createMockRuntimeApp(controller);
  const server = await listen(app.fetch, { port, host });
  const close = () => {
    // Pending sleeps (delays, drips) end first, so nothing is left to answer on the sockets.
    // Both steps are idempotent, so close() is safe to call twice.
    controller.dispose();
    return server.close();
  };
  return {
    url: server.url,
    port: server.port,
    get requests() {
      return controller.requests;
    },
    controller,
    adminToken: controller.adminToken,
    app,
    script: (input) => controller.script(input),
    reset: () => controller.reset(),
    waitForRequests: (count, timeoutMs) => controller.waitForRequests(count, timeoutMs),
    openConnections: server.openConnections,
    busyConnections: server.busyConnections,
    close,
  };
}
