import { createEsper, type Decision, type Esper, EsperConfigError } from '@esper/core';
import { adapterOptions } from '@esper/core/adapter';
import {
  forwardedForLines,
  type NodeResponseLike,
  screenNodeRequest,
  withNodeTransport,
} from '@esper/core/node';
import { schemeOf, trustedPeer } from './scheme.js';
import { routedTarget } from './target.js';
import type {
  EsperKoaState,
  EsperNodeInstance,
  EsperNodeOptions,
  KoaContextLike,
  NodeRequest,
  NodeResponse,
} from './types.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

type Req = NodeRequest & { originalUrl?: string; esper?: Decision };

/**
 * `const esper = createEsperNode(options)`: one client for the server, then `protect`,
 * `handler`, `middleware` or `koa` per request. Invalid options throw an `EsperConfigError`
 * here, at start-up; after that nothing it returns throws or rejects.
 */
export function createEsperNode(options: EsperNodeOptions = {}): EsperNodeInstance {
  if (typeof options !== 'object' || options === null) {
    throw new EsperConfigError('options', 'expected an object');
  }
  const env = options.env ?? process.env;
  // The socket peer unless the user names a platform or their proxies: never a header by default.
  const preset = options.clientIp?.preset ?? 'direct';
  const logger = options.logger;
  const client: Esper = createEsper(
    adapterOptions(
      withNodeTransport(options, () => import('undici')),
      // No `routing` default: core's exact matching, unless the user states their router's.
      { preset, runtime: 'node', sdk: { name: SDK_NAME, version: SDK_VERSION } },
    ),
  );
  const trusts = trustedPeer(options.clientIp?.trustedProxies, env);

  /** Screens one request routed on `url`; true when it goes on to the app. */
  async function screen(req: Req, res: NodeResponse, url: string | undefined) {
    const screened = await screenNodeRequest(
      client,
      req,
      // Http2ServerResponse too: its `end()` overloads hide the `end(chunk)` core calls.
      res as NodeResponseLike,
      () => ({
        target: routedTarget(url),
        scheme: schemeOf(req, trusts(req), preset),
        ip: { remoteAddress: req.socket?.remoteAddress, forwardedFor: forwardedForLines(req) },
      }),
      logger,
    );
    req.esper = screened.decision;
    return screened.proceed;
  }

  // connect and Polka keep the target as sent in `originalUrl` when a mount rewrites `url`.
  const protect = (req: NodeRequest, res: NodeResponse) =>
    screen(req, res, (req as Req).originalUrl ?? req.url);

  return {
    client,
    protect,
    handler: (listener) => async (req, res) => {
      if (await protect(req, res)) await listener(req, res);
    },
    middleware(req, res, next) {
      protect(req, res)
        .then((proceed) => proceed && next())
        // connect and Polka catch what `next()` throws; this is a last resort against a crash.
        .catch((err: unknown) => logger?.error({ err }, 'esper: next() threw'));
    },
    async koa(ctx: KoaContextLike, next: () => Promise<unknown>) {
      // `ctx.originalUrl`: koa-mount rewrites `req.url` for the apps it mounts.
      const proceed = await screen(ctx.req, ctx.res, ctx.originalUrl ?? ctx.req.url);
      (ctx.state as EsperKoaState).esper = (ctx.req as Req).esper;
      // Answered already: Koa must not write its own response (a 404) over it.
      if (!proceed) ctx.respond = false;
      else await next();
    },
    close: () => client.close(),
  };
}
