import { PolicyRuntime, type PolicyRuntimeOptions } from '../policy-runtime.js';
import { type ListeningServer, type ListenOptions, listen } from './listen.js';
import { createRuntimeApp, type RuntimeApp, type RuntimeAppOptions } from './runtime-app.js';

export interface StartRuntimeOptions
  extends PolicyRuntimeOptions,
    RuntimeAppOptions,
    ListenOptions {}

/** A runtime serving its tenants on a port (see `startRuntime`). */
export interface RuntimeServer
  extends Pick<ListeningServer, 'url' | 'port' | 'openConnections' | 'busyConnections' | 'close'> {
  readonly runtime: PolicyRuntime;
  /** The app being served; routes added to it are served too. */
  readonly app: RuntimeApp;
  /** Token of the admin API (`Authorization: Bearer <adminToken>`). */
  readonly adminToken: string;
  /** Tenants back to their configured rules with fresh counters; replay memory is kept. */
  reset(): void;
}

/** Starts a policy-driven runtime: `http://127.0.0.1:<free port>` unless told otherwise. */
export async function startRuntime(options: StartRuntimeOptions = {}): Promise<RuntimeServer> {
  const {
    port,
    host,
    signatureToleranceSeconds,
    maxBodyBytes,
    maxReplayEntries,
    maxEventIds,
    ...rest
  } = options;
  const runtime = new PolicyRuntime(rest);
  const app = createRuntimeApp(runtime, {
    signatureToleranceSeconds,
    maxBodyBytes,
    maxReplayEntries,
    maxEventIds,
  });
  const server = await listen(app.fetch, { port, host });
  return {
    url: server.url,
    port: server.port,
    runtime,
    app,
    adminToken: runtime.adminToken,
    reset: () => runtime.reset(),
    openConnections: server.openConnections,
    busyConnections: server.busyConnections,
    close: server.close,
  };
}
