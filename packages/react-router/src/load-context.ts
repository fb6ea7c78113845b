import { forwardedForLines } from '@esper/core/node';
import { RouterContextProvider } from 'react-router';

/** Where the connection's facts sit on a load context: a key no client-sent value can reach. */
const CONNECTION = Symbol.for('@esper/react-router:connection');

/** What the server knew about the connection, handed to the middleware by `esperLoadContext`. */
export interface Connection {
  /** The socket peer: the one address the server itself vouches for. */
  remoteAddress?: string;
  /** The `x-forwarded-for` lines as received, for the `clientIp` option's trusted proxies. */
  forwardedFor?: string[];
}

/**
 * The server's view of a connection: an Express or `node:http` request (`socket`,
 * `rawHeaders`), or the `client` that `@react-router/node`'s `createRequestListener` passes.
 */
export type ConnectionSource =
  | { socket?: { remoteAddress?: string } | null; rawHeaders?: string[] }
  | { address?: string };

function connectionFrom(source: ConnectionSource): Connection {
  if ('address' in source) return { remoteAddress: source.address };
  const req = source as { socket?: { remoteAddress?: string } | null; rawHeaders?: string[] };
  return {
    remoteAddress: req.socket?.remoteAddress,
    forwardedFor: Array.isArray(req.rawHeaders)
      ? forwardedForLines({ headers: {}, rawHeaders: req.rawHeaders, socket: null })
      : undefined,
  };
}

/**
 * The load context for `getLoadContext`, carrying the socket peer to `esperMiddleware()`:
 * `getLoadContext: (req) => esperLoadContext(req)`. Pass your own context as the second
 * argument (a `RouterContextProvider` with `future.v8_middleware`) to keep what it holds.
 */
export function esperLoadContext<C extends object = RouterContextProvider>(
  source: ConnectionSource,
  context?: C,
): C {
  const target = context ?? (new RouterContextProvider() as unknown as C);
  Object.defineProperty(target, CONNECTION, {
    value: connectionFrom(source),
    enumerable: false,
    configurable: true,
  });
  return target;
}

/** The connection `esperLoadContext` recorded, or none (e.g. under `react-router-serve`). */
export function connectionOf(context: unknown): Connection | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  return (context as { [CONNECTION]?: Connection })[CONNECTION];
}
