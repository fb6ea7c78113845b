import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Decision, Esper, EsperOptions } from '@esper/core';

/**
 * `@esper/core`'s options; `runtime` and `sdk` are set by this package. `clientIp.preset`
 * defaults to `direct` (the socket peer); `routing` to exact matching: state your router's.
 */
export type EsperNodeOptions = Omit<EsperOptions, 'runtime' | 'sdk'>;

/** A request of `node:http`, `node:https` or `node:http2`'s compatibility API. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;
/** Its response. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** A `(req, res)` request listener, as `http.createServer` takes. */
export type NodeListener<Req extends NodeRequest = IncomingMessage, Res = ServerResponse> = (
  req: Req,
  res: Res,
) => unknown;

/** The part of Koa's context read and written here (Koa itself is not a dependency). */
export interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
  originalUrl?: string;
  respond?: boolean;
  state: object;
}

/** What Koa apps put in `ctx.state`: `new Koa<EsperKoaState>()` types `ctx.state.esper`. */
export interface EsperKoaState {
  esper?: Decision;
}

export interface EsperNodeInstance {
  /**
   * Decides on the request. Resolves true when it should go on to the app (`req.esper` holds
   * the decision); false when Esper has answered it (block, challenge, 400). Never rejects.
   */
  protect(req: NodeRequest, res: NodeResponse): Promise<boolean>;
  /**
   * `http.createServer(esper.handler((req, res) => …))`: the listener runs when allowed. What
   * it throws or rejects with is the returned promise's, as if it were the server's listener.
   */
  handler<Req extends NodeRequest = IncomingMessage, Res extends NodeResponse = ServerResponse>(
    listener: NodeListener<Req, Res>,
  ): (req: Req, res: Res) => Promise<void>;
  /** connect / Polka middleware: `app.use(esper.middleware)`. Never calls `next(err)`. */
  middleware(req: NodeRequest, res: NodeResponse, next: () => void): void;
  /** Koa middleware: `app.use(esper.koa)`; the decision is in `ctx.state.esper`. */
  koa(ctx: KoaContextLike, next: () => Promise<unknown>): Promise<void>;
  /** The core client, e.g. for `stats`. */
  readonly client: Esper;
  /** Closes the keep-alive connections to the runtime. */
  close(): Promise<void>;
}

declare module 'http' {
  interface IncomingMessage {
    /** The decision for this request, set by `@esper/node` before the app runs. */
    esper?: Decision;
  }
}

declare module 'http2' {
  interface Http2ServerRequest {
    /** The decision for this request, set by `@esper/node` before the app runs. */
    esper?: Decision;
  }
}
